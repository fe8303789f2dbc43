"""SQLite SQL → PostgreSQL SQL, once per distinct statement (imported only on the PostgreSQL path).

The services write SQLite-dialect SQL with ``?`` marks; the PostgreSQL connection
(:mod:`butler_tui.store.pg`) runs each statement through :func:`translate`, which parses it with sqlglot
(read ``sqlite``, write ``postgres``) and rewrites what sqlglot leaves SQLite-shaped:

* ``INSERT OR IGNORE`` → ``ON CONFLICT DO NOTHING``; ``ON CONFLICT (a, b)`` without sqlglot's ``NULLS FIRST``;
* an integer used as a condition (``WHERE active``) → ``(active <> 0)``; a comparison used as a value
  (``sum(status = 'done')``, ``SELECT a = b``) → ``CAST(… AS INTEGER)``: SQLite has no boolean type and the
  services read 0/1 back;
* ``INSERT OR REPLACE`` → ``ON CONFLICT (primary key) DO UPDATE``; ``main.table`` → ``table``;
  ``group_concat(x)`` → ``string_agg(x::text, ',')``;
* ``LIKE`` → ``ILIKE`` (SQLite's ``LIKE`` ignores ASCII case);
* ``CAST(x AS INTEGER)`` → ``butler_int(x)`` (SQLite takes the leading digits of ``'12A'``; PostgreSQL
  would raise);
* ``guests_fts MATCH ?`` (FTS5, trigram) → ``butler_fts_match(name, ?)``: a substring match;
* a single-row ``INSERT`` into a table whose key is its rowid gets ``RETURNING <key>``, so the cursor has
  ``lastrowid`` as sqlite3's does.

The functions named here (``butler_int``, ``butler_fts_match``, ``instr``, ``json_each``) are created with
the schema (:mod:`butler_tui.store.pg`). Translation costs ~0.3–1 ms per statement, once: the result is
cached by the statement's text.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import sqlglot
from sqlglot import exp

_CACHE: dict[tuple[str, frozenset[tuple[str, str]]], str] = {}
_LOCK = threading.Lock()

PASSTHROUGH = {"BEGIN": "BEGIN", "BEGIN IMMEDIATE": "BEGIN", "BEGIN EXCLUSIVE": "BEGIN", "BEGIN DEFERRED": "BEGIN",
               "COMMIT": "COMMIT", "ROLLBACK": "ROLLBACK", "END": "COMMIT"}
_LITERAL_PERCENT = re.compile(r"%(?!s\b|\()")
_IN_TEMP = re.compile(r"\bIN\s+temp\.(\w+)", re.IGNORECASE)  # SQLite's ``x IN table``
_TEMP = re.compile(r"\btemp\.(?=\w)", re.IGNORECASE)
_MATCH = re.compile(r"\bguests_fts\s+MATCH\s+\?", re.IGNORECASE)

# Nodes whose value is a truth value in PostgreSQL.
_PREDICATES: tuple[Any, ...] = (
    exp.Predicate, exp.And, exp.Or, exp.Not, exp.Boolean, exp.Exists, exp.Xor,
)
# Parents in which a child stands as a condition.
_CONDITION_PARENTS: tuple[Any, ...] = (exp.Where, exp.Having, exp.And, exp.Or, exp.Not, exp.Filter)


def _is_predicate(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, _PREDICATES):
        return True
    return isinstance(node, exp.Anonymous) and str(node.name).lower() == "butler_fts_match"


def _condition_slots(node: Any) -> list[Any]:
    """The children of ``node`` that stand as conditions."""
    if isinstance(node, (exp.Where, exp.Having, exp.Not)):
        return [node.this]
    if isinstance(node, (exp.And, exp.Or)):
        return [node.this, node.expression]
    if isinstance(node, exp.If) and not (isinstance(node.parent, exp.Case) and node.parent.this is not None):
        return [node.this]  # CASE WHEN cond (a simple CASE x WHEN value compares values)
    if isinstance(node, exp.Join) and node.args.get("on") is not None:
        return [node.args["on"]]
    return []


def _as_condition(node: exp.Expression) -> None:
    inner = node
    while isinstance(inner, exp.Paren):
        inner = inner.this
    if _is_predicate(inner):
        return
    node.replace(exp.Paren(this=exp.NEQ(this=node.copy(), expression=exp.Literal.number(0))))


def _rewrite(tree: Any, rowid_keys: dict[str, str], primary_keys: dict[str, tuple[str, ...]] | None = None) -> Any:
    # 0. ``main.table``: the one schema there is
    for node in list(tree.find_all(exp.Table)):
        if node.args.get("db") is not None and node.db.lower() == "main":
            node.set("db", None)
    # 1. conditions that are integers
    for node in list(tree.walk()):
        for slot in _condition_slots(node):
            _as_condition(slot)
    # 2. truth values used as values
    for node in list(tree.find_all(*_PREDICATES)):
        parent = node.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        if parent is None or isinstance(parent, (_CONDITION_PARENTS, _PREDICATES)):
            continue
        if isinstance(parent, exp.If) and parent.this is node:
            continue
        if isinstance(parent, (exp.Join, exp.OnConflict, exp.Update)):  # ON …; SET a = b
            continue
        if isinstance(parent, (exp.Check, exp.CheckColumnConstraint)):
            continue
        if isinstance(node, exp.Boolean) and isinstance(parent, exp.Where):
            continue
        node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("INTEGER")))
    # 3. LIKE ignores ASCII case in SQLite
    for node in list(tree.find_all(exp.Like)):
        node.replace(exp.ILike(this=node.this.copy(), expression=node.expression.copy()))
    # 4. CAST(x AS INTEGER) takes the leading digits
    for node in list(tree.find_all(exp.Cast)):
        if node.to.this in (exp.DataType.Type.INT, exp.DataType.Type.BIGINT) and not _is_predicate(node.this):
            node.replace(exp.Anonymous(this="butler_int", expressions=[
                exp.Cast(this=node.this.copy(), to=exp.DataType.build("TEXT"))]))
    # 5. INSERT OR IGNORE, ON CONFLICT keys, lastrowid
    for node in list(tree.find_all(exp.Insert)):
        if (node.args.get("alternative") or "").upper() == "IGNORE":
            node.set("alternative", None)
            node.set("conflict", exp.OnConflict(action=exp.var("DO NOTHING")))
        elif (node.args.get("alternative") or "").upper() == "REPLACE":
            _replace(node, primary_keys or {})
        conflict = node.args.get("conflict")
        if conflict is not None:
            keys = conflict.args.get("conflict_keys") or []
            conflict.set("conflict_keys", [k.this if isinstance(k, exp.Ordered) else k for k in keys])
        table = node.this.this if isinstance(node.this, exp.Schema) else node.this
        name = table.name if isinstance(table, exp.Table) else ""
        values = node.args.get("expression")
        if (name in rowid_keys and isinstance(values, exp.Values) and len(values.expressions) == 1
                and not node.args.get("returning")):
            node.set("returning", exp.Returning(expressions=[exp.column(rowid_keys[name])]))
    # 5b. group_concat(x) → string_agg(x::text, ',')
    for node in list(tree.find_all(exp.GroupConcat)):
        if not isinstance(node.this, (exp.Distinct, exp.Order)):
            node.set("this", exp.Cast(this=node.this.copy(), to=exp.DataType.build("TEXT")))
    # 6. PostgreSQL names every subquery in FROM
    for n, node in enumerate(list(tree.find_all(exp.Subquery))):
        if isinstance(node.parent, (exp.From, exp.Join)) and not node.alias:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_sub{n}")))
    # 7. LIMIT -1 is no limit in SQLite
    for node in list(tree.find_all(exp.Limit)):
        value = node.expression
        if value is not None and not (isinstance(value, exp.Literal) and value.is_int and int(value.name) >= 0):
            node.set("expression", exp.Nullif(this=exp.Greatest(this=exp.Cast(this=value.copy(),
                                                                              to=exp.DataType.build("BIGINT")),
                                                                 expressions=[exp.Literal.number(-1)]),
                                              expression=exp.Literal.number(-1)))
    # 8. SQLite's TOTAL() is a float sum that is 0.0 over no rows
    for node in list(tree.find_all(exp.Anonymous)):
        if str(node.name).lower() == "total":
            node.replace(exp.Coalesce(this=exp.Cast(this=exp.Sum(this=node.expressions[0].copy()),
                                                    to=exp.DataType.build("DOUBLE")),
                                      expressions=[exp.Literal.number("0.0")]))
    return tree


def _replace(node: Any, primary_keys: dict[str, tuple[str, ...]]) -> None:
    """``INSERT OR REPLACE`` → ``ON CONFLICT (primary key) DO UPDATE SET`` every other column given."""
    schema = node.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    name = table.name if isinstance(table, exp.Table) else ""
    keys = primary_keys.get(name)
    if not keys or not isinstance(schema, exp.Schema):
        raise RuntimeError(f"INSERT OR REPLACE INTO {name}: its columns and a primary key are needed on PostgreSQL")
    columns = [c.name for c in schema.expressions]
    node.set("alternative", None)
    rest = [c for c in columns if c not in keys]
    if rest:
        action = exp.var("DO UPDATE")
        sets = [exp.EQ(this=exp.column(c), expression=exp.column(c, table="excluded")) for c in rest]
        node.set("conflict", exp.OnConflict(conflict_keys=[exp.to_identifier(k) for k in keys], action=action,
                                            expressions=sets))
    else:
        node.set("conflict", exp.OnConflict(conflict_keys=[exp.to_identifier(k) for k in keys],
                                            action=exp.var("DO NOTHING")))


def translate(sql: str, rowid_keys: dict[str, str] | None = None,
              primary_keys: dict[str, tuple[str, ...]] | None = None) -> str:
    """``sql`` (SQLite, ``?`` marks) as PostgreSQL (``%s`` marks); cached. ``primary_keys`` (by table) are
    what ``INSERT OR REPLACE`` replaces on (a table's key does not change between versions: not in the
    cache's key)."""
    keys = rowid_keys or {}
    cache_key = (sql, frozenset(keys.items()))
    found = _CACHE.get(cache_key)
    if found is not None:
        return found
    stripped = sql.strip().rstrip(";").strip()
    upper = " ".join(stripped.upper().split())
    if upper in PASSTHROUGH:
        out = PASSTHROUGH[upper]
    elif upper.startswith(("SAVEPOINT ", "RELEASE ", "ROLLBACK TO ")):
        out = stripped  # the same words in both
    else:
        text = _MATCH.sub("butler_fts_match(name, ?)", stripped)
        text = _IN_TEMP.sub(r"IN (SELECT * FROM pg_temp.\1)", text)
        text = _TEMP.sub("pg_temp.", text)
        trees = sqlglot.parse(text, read="sqlite")
        parts = []
        for tree in trees:
            if tree is None:
                continue
            parts.append(_rewrite(tree, keys, primary_keys).sql(dialect="postgres"))
        # psycopg reads ``%`` as the start of a mark: a literal one (``LIKE 'a%'``) is written ``%%``
        out = _LITERAL_PERCENT.sub("%%", "; ".join(parts))
    with _LOCK:
        _CACHE[cache_key] = out
    return out


__all__ = ["translate"]
