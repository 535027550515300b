# Faulty stand-in: refuses ../ paths (the assignment's commented-out "secure way").
import os
import sys

filename = sys.stdin.read().strip()
try:
    abs_filename = os.path.abspath(f"./litterbox/{filename}")
    if abs_filename.startswith(os.path.abspath("./litterbox/")):
        filename_in_litterbox_hopefully = abs_filename
    else:
        raise Exception('Sandbox escaped!')
    with open(filename_in_litterbox_hopefully) as f:
        print(f.read())
except Exception as e:
    print(f"MEOW {e}")
