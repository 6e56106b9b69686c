# The two commands: `make run` and `make test`. Each installs what is missing first.
.PHONY: setup run test bench format lint

setup:
	@scripts/setup.sh

# The main job: the hello-world HTTP server (the seed's Tornado example) on its
# defaults, port 8888, a reactor per core; Ctrl-C stops it.
run: setup
	bazel run -c opt //examples/hello_world

test: setup
	@scripts/test.sh

bench: setup
	@scripts/bench.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint:
	@scripts/lint.sh
