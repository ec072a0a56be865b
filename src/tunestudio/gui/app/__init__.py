"""The window: menus, toolbar and the page stack; preferences, theme, the welcome page and
the application start-up."""
