"""Provider credentials: registration (Decree 105/2016), accreditation, designation and verifier cards.

The provider enters them, the Department confirms them; :mod:`.state` says what each is worth on a day.
"""
