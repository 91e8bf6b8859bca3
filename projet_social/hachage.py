"""How passwords are hashed: Argon2id, OWASP's first choice, with its recommended parameters
(19 MiB of memory, 2 passes, 1 lane). Django upgrades a PBKDF2 hash (the accounts created
before) at the account's next login, and a hash of other parameters likewise."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOWASP(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
