"""What `make run`, `make bench`, `make fuzz` and the tests share: the server as a process, a throwaway
PostgreSQL, free ports, child processes, a browser. Imports server's configuration only; never tests/.
"""
