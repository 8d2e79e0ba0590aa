"""A real SMTP server on loopback for the e-mail tests of notify_channels.rs (aiosmtpd, Debian's
python3-aiosmtpd). Usage: smtp_sink.py PORT DIR. Each accepted message is written to DIR/N.eml with
its envelope recipients on the first line; recipients starting with "bounce" are refused for good
(550) and those starting with "later" for now (451). Prints "ready" once listening; stops when its
standard input closes."""
import itertools
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address.startswith("later"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.count)
        tmp = os.path.join(self.out, "%d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(("RCPT " + ",".join(envelope.rcpt_tos) + "\n").encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.out, "%d.eml" % n))
        return "250 OK"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
