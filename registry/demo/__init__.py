"""Demo data for a first look at the product: ``flask --app wsgi demo load``."""
