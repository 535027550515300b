# Stand-in for the student's cat.py: the assignment's finished program.
import sys

filename = sys.stdin.read().strip()
filename_in_litterbox_hopefully = f"./litterbox/{filename}"
try:
    with open(filename_in_litterbox_hopefully) as f:
        print(f.read())
except Exception as e:
    print(f"MEOW {e}")
