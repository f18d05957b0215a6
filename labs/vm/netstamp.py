#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sockets that ask for receive timestamps (SO_TIMESTAMP), which turn the
kernel's netstamp_needed_key on while any is open (labs/vm/guest.sh says
why the lab VM keeps it on, docs/architecture.md what it guards against).

  netstamp.py hold PIDFILE   keep one such socket until killed; write our
                             pid to PIDFILE first
  netstamp.py flip SECONDS   open and close one 25 times a second for
                             SECONDS; print how many
"""
import os
import signal
import socket
import sys
import time

SO_TIMESTAMP = 29  # asm-generic/socket.h (x86); Python's socket lacks it


def stamped_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
    return s


def hold(pidfile):
    s = stamped_socket()
    with open(pidfile, "w") as f:
        f.write(f"{os.getpid()}\n")
    signal.pause()
    s.close()


def flip(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        s = stamped_socket()
        time.sleep(0.02)
        s.close()
        time.sleep(0.02)
        n += 1
    print(n)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "hold":
        hold(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "flip":
        flip(float(sys.argv[2]))
    else:
        sys.exit(__doc__)
