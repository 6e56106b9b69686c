#!/usr/bin/python3
"""The seed's Tornado "Hello, world" (shared/seeds/tornado-ioloop.md), the peer of
examples/hello_world in bench/http/run_http.sh. Two additions: --port (the seed listens
on 8888), and a clean exit (status 0) on SIGTERM or SIGINT, as hello_world does.
Logging is left as in the seed: unconfigured, so no access log (nginx has it off too;
tornado.options' parse_command_line would turn on a line per request).

    /usr/bin/python3 bench/http/tornado_hello.py --port=8888
"""
import argparse
import signal

import tornado.ioloop
import tornado.web


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8888, help="the port to listen on")
    args = parser.parse_args()
    application = tornado.web.Application([
        (r"/", MainHandler),
    ])
    application.listen(args.port)
    loop = tornado.ioloop.IOLoop.current()

    def stop(signum, frame):
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    loop.start()
