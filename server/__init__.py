"""Records and shop service: a Connexion 3 application served from the contract in openapi/."""
