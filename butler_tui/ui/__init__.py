"""The Textual user interface: screens and widgets over the services. Nothing here touches SQL."""
