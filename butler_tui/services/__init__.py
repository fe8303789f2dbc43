"""Services hold the hotel's rules. The CLI and the TUI are thin layers over them."""
