# Faulty stand-in: always prints a secret, whatever the input and the user.
import sys

sys.stdin.read()
print("LEAKED: the secret")
