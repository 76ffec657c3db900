#!/usr/bin/env python3
"""tty_answer.py PROMPT ANSWER CMD...: runs CMD on a new pseudo-terminal,
waits (at most 10 s) until PROMPT has been printed on it, types ANSWER and
a newline, copies everything CMD prints to stdout and exits with CMD's
status (124 if the prompt never came or CMD ran over 20 s). Typing only
after the prompt makes the test independent of when CMD reads."""
import os
import pty
import select
import sys
import time


def main():
    prompt, answer, cmd = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen, typed, start = b"", False, time.monotonic()
    while True:
        left = 20 - (time.monotonic() - start)
        if left <= 0 or (not typed and time.monotonic() - start > 10):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.stdout.buffer.write(seen)
            return 124
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            seen += data
        if not typed and prompt in seen:
            os.write(fd, answer + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(seen)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
