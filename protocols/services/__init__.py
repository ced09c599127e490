"""Application-data codecs of the standard PUS services farside uses (1, 3, 5, 8, 17, 20)."""
