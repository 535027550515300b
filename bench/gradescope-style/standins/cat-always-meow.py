# Faulty stand-in: never prints the file (it always says MEOW).
import sys

filename = sys.stdin.read().strip()
print("MEOW")
