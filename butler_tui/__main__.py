from butler_tui.cli import main

main()
