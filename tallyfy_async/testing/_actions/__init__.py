"""State changes shared by the routes and by the fake's own helpers (``add_blueprint``,
``launch``, seeding): routes check the HTTP input, then call these."""
