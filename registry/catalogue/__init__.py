"""Reference data: instrument types with their legal rules by period, and administrative units."""
