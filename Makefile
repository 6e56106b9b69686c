# The two commands: `make run` and `make test`. Each installs what is missing first.
.PHONY: setup run test bench format lint

setup:
	@scripts/setup.sh

# The main job. Until HTTP lands, the reactor tour: timers, callbacks and a pipe handler.
run: setup
	bazel run -c opt //examples/reactor_tour

test: setup
	@scripts/test.sh

bench: setup
	@scripts/bench.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint:
	@scripts/lint.sh
