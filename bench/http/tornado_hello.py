#!/usr/bin/python3
"""The seed's Tornado "Hello, world" (shared/seeds/tornado-ioloop.md), the peer of
examples/hello_world in bench/http/run_http.sh. Two additions: --port (the seed listens
on 8888), and a clean exit (status 0) on SIGTERM or SIGINT, as hello_world does.

    /usr/bin/python3 bench/http/tornado_hello.py --port=8888
"""
import signal

import tornado.ioloop
import tornado.options
import tornado.web

tornado.options.define("port", default=8888, type=int, help="the port to listen on")


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


if __name__ == "__main__":
    tornado.options.parse_command_line()
    application = tornado.web.Application([
        (r"/", MainHandler),
    ])
    application.listen(tornado.options.options.port)
    loop = tornado.ioloop.IOLoop.current()

    def stop(signum, frame):
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    loop.start()
