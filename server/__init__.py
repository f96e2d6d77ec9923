"""Records and shop service: a Connexion 3 application served from the contract in openapi/.

app.py stacks the layers a request passes through, one package a layer; `make lint` (import-linter) holds
each package to what its docstring says it may import.
"""
