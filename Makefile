# leakscope: build the agent, the command, the examples and the tests.
#   make          build/leakscope, build/libleakscope.so and build/liblscache.a
#   make deps     install the Debian packages the build and the tests need (apt-get, as root)
#   make demo     install missing packages, build, run the leaky example under leakscope
#   make demo-service   the leak watch on a leaking service, then on the service fixed
#   make test     every test; the last line is "N passed, N failed, N skipped"
#   make test T=name   only the tests whose name contains "name"
#   make test J=4      run four tests at a time (default: the number of cores)
#   make install PREFIX=/usr/local   (the man page and bash completion too)
#   make man      regenerate docs/leakscope.1 from the command's help (scripts/gen-man.py)
#
# Layout (docs/ARCHITECTURE.md): agent/ is the injected library; cli/ is the command, whose
# lower layers (cli/*/: util, model, read, analyze, render, pipeline, gate, http) form one
# core library, build/libleakscope-core.a, that the command, the unit tests and the fuzzers
# link; the command's own files (main.c and one file per subcommand) sit at the top of cli/.

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
STD     := -std=gnu11 -D_GNU_SOURCE
DEPFLAGS = -MMD -MP

AGENT_SRC := $(sort $(wildcard agent/*.c agent/*/*.c))
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/%.o)
CORE_SRC  := $(sort $(wildcard cli/*/*.c))
CMD_SRC   := $(sort $(wildcard cli/*.c))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ   := $(CMD_SRC:%.c=$(BUILD)/%.o)
LSLIB_SRC := $(sort $(wildcard lib/*.c))
LSLIB_OBJ := $(LSLIB_SRC:%.c=$(BUILD)/%.o)
CORE_LIB  := $(BUILD)/libleakscope-core.a
# The agent's modules for its unit tests (tests/unit/agent_*.c): every object but the
# shims, the constructor, the attach entry and the exported API, which would interpose the test itself.
AGENT_TEST_LIB := $(BUILD)/libagent-test.a
AGENT_TEST_OBJ := $(filter-out $(BUILD)/agent/hooks.o $(BUILD)/agent/agent.o $(BUILD)/agent/attach.o $(BUILD)/agent/api.o,$(AGENT_OBJ))

# The agent links libc only (libunwind is dlopen'ed privately, see agent/unwind.c).
AGENT_CFLAGS := $(STD) $(WARN) $(CFLAGS) -fPIC -fno-plt -fvisibility=hidden -ftls-model=initial-exec \
                -Iagent -Iinclude
AGENT_LDFLAGS := -shared -Wl,-z,nodelete -Wl,-z,now -Wl,--no-undefined -lm
CLI_CFLAGS := $(STD) $(WARN) $(CFLAGS) -Icli -Iinclude -Iagent
CLI_LIBS := -ldw -lelf -lz -lexpat -lyaml -ljansson -lmicrohttpd -lstdc++ -lm -lpthread

# Test programs: tests/progs/NAME.c -> build/tests/progs/NAME (plain -O0 -g), C++ too.
PROG_C   := $(sort $(filter-out tests/progs/lib%.c,$(wildcard tests/progs/*.c)))
PROG_SO  := $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%.so,$(sort $(wildcard tests/progs/lib*.c)))
PROG_CXX := $(sort $(wildcard tests/progs/*.cc))
PROG_BIN := $(PROG_SO) $(PROG_C:tests/progs/%.c=$(BUILD)/tests/progs/%) $(PROG_CXX:tests/progs/%.cc=$(BUILD)/tests/progs/%)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps demo test test-build install man clean
all: $(BUILD)/libleakscope.so $(BUILD)/leakscope $(BUILD)/liblscache.a

deps:
	@sh scripts/install-deps.sh

$(BUILD)/agent/%.o: agent/%.c
	@mkdir -p $(@D)
	$(CC) $(AGENT_CFLAGS) $(DEPFLAGS) -c $< -o $@
# The leak scan and the walk for blocks read every word of the memory they
# look at, AddressSanitizer's redzones between globals included, as a leak
# checker must: built for make sanitize, they go without ASan's checks (UBSan's stay).
ifneq ($(findstring address,$(CFLAGS)),)
$(BUILD)/agent/scan.o $(BUILD)/agent/blocks.o: AGENT_CFLAGS += -fno-sanitize=address
endif
$(BUILD)/libleakscope.so: $(AGENT_OBJ)
	$(CC) $(AGENT_OBJ) $(AGENT_LDFLAGS) -o $@

$(AGENT_TEST_LIB): $(AGENT_TEST_OBJ)
	rm -f $@
	$(AR) rcs $@ $(AGENT_TEST_OBJ)

$(BUILD)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(CC) $(CLI_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(CORE_LIB): $(CORE_OBJ)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJ)
$(BUILD)/leakscope: $(CMD_OBJ) $(CORE_LIB)
	$(CC) $(LDFLAGS) $(CMD_OBJ) $(CORE_LIB) $(CLI_LIBS) -o $@

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(CFLAGS) $(DEPFLAGS) -fPIC -Ilib -Iinclude -c $< -o $@
$(BUILD)/liblscache.a: $(LSLIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LSLIB_OBJ)

$(BUILD)/tests/progs/lib%.so: tests/progs/lib%.c
	@mkdir -p $(@D)
	$(CC) -O0 -g -fPIC -shared -o $@ $<
# leak_ctor is linked with libleak_ctor.so, whose constructor runs before the agent's.
$(BUILD)/tests/progs/leak_ctor: tests/progs/leak_ctor.c $(BUILD)/tests/progs/libleak_ctor.so
	$(CC) -O0 -g -o $@ $< -L$(BUILD)/tests/progs -lleak_ctor -Wl,-rpath,'$$ORIGIN'
# attach_dlopen loads libattach_plugin.so by name, through its RUNPATH; attach_static is static.
$(BUILD)/tests/progs/attach_dlopen: tests/progs/attach_dlopen.c $(BUILD)/tests/progs/libattach_plugin.so
	$(CC) -O0 -g -o $@ $< -ldl -Wl,-rpath,'$$ORIGIN'
$(BUILD)/tests/progs/attach_static: tests/progs/attach_static.c
	@mkdir -p $(@D)
	$(CC) -O0 -g -static -o $@ $<
# leak_dead_stack_o2: pointers kept in registers only, as optimized code does.
$(BUILD)/tests/progs/leak_dead_stack_o2: tests/progs/leak_dead_stack_o2.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -o $@ $<
$(BUILD)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(@D)
	$(CC) -O0 -g -fno-omit-frame-pointer -o $@ $< -lpthread -ldl -lm
$(BUILD)/tests/progs/%: tests/progs/%.cc
	@mkdir -p $(@D)
	$(CXX) -O0 -g -o $@ $< -lpthread -ldl
$(BUILD)/tests/unit/agent_%: tests/unit/agent_%.c $(AGENT_TEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(CFLAGS) $(DEPFLAGS) -Iagent -Iinclude -Itests -o $@ $< $(AGENT_TEST_LIB) -ldl -lpthread -lm
$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_LIB) $(BUILD)/liblscache.a
	@mkdir -p $(@D)
	$(CC) $(CLI_CFLAGS) $(DEPFLAGS) -Ilib -Itests -o $@ $< $(CORE_LIB) $(BUILD)/liblscache.a $(CLI_LIBS)
$(BUILD)/examples/service_leak $(BUILD)/examples/service_fixed: examples/service.h
$(BUILD)/examples/%: examples/%.c $(BUILD)/liblscache.a
	@mkdir -p $(@D)
	$(CC) -O1 -g -Iinclude -o $@ $< $(BUILD)/liblscache.a -lpthread
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -o $@ $< -lpthread -lm

test-build: all $(PROG_BIN) $(UNIT_BIN) $(EXAMPLE_BIN) $(BENCH_BIN)

demo: deps all $(EXAMPLE_BIN)
	@echo "== running examples/leaky under leakscope =="
	$(BUILD)/leakscope run -- $(BUILD)/examples/leaky

# The source document's leak in a running service, found by the leak watch
# (docs/LIVE.md): the leaking service, then the same one fixed with lscache.
demo-service: all $(BUILD)/examples/service_leak $(BUILD)/examples/service_fixed
	@echo "== examples/service_leak under leakscope run --sample --watch=15: a cache nothing evicts =="
	$(BUILD)/leakscope run --sample --watch=15 -- $(BUILD)/examples/service_leak 40
	@echo "== examples/service_fixed: the same service with a bounded lscache: no suspect =="
	$(BUILD)/leakscope run --sample --watch=15 -- $(BUILD)/examples/service_fixed 40

# The tests install nothing: `make deps` (or `make demo`, or .ci/run) does.
test:
	@sh scripts/install-deps.sh --check
	@$(MAKE) --no-print-directory test-build
	@bash tests/run.sh $(if $(J),-j $(J)) $(T)

man: all
	python3 scripts/gen-man.py $(BUILD)/leakscope >docs/leakscope.1.tmp && mv docs/leakscope.1.tmp docs/leakscope.1

# make sanitize: the command, its core library, liblscache and the agent's modules as its unit
# tests link them, built with AddressSanitizer and UBSan in build/sanitize, then the unit
# tests and the command's golden and cli tests run there; any report fails the run.  The
# agent itself cannot carry ASan into the programs it is preloaded into: build/sanitize
# gets the plain build's libleakscope.so (and test programs built as usual).  The sanitizers
# keep their defaults (leak detection on, an error ends the command with status 1), but for
# ASan's check that its runtime comes first among the libraries: a test runs the command with
# an LD_PRELOAD of its own (cli/test_host.sh), which ASan would refuse.
SAN_BUILD := $(BUILD)/sanitize
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# Every unit test runs, agent_scan_test and agent_tables_test too: the agent's mappings
# reader (maps.c) takes ASan's shadow (14 TiB at fixed places) for none of the program's
# memory, and the scan and the block walk go without ASan's checks (see above).
SAN_UNITS := $(UNIT_SRC:tests/unit/%.c=%)
sanitize: all
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" sanitize-build
	cp $(BUILD)/libleakscope.so $(SAN_BUILD)/libleakscope.so
	@ASAN_OPTIONS=verify_asan_link_order=0 LEAKSCOPE_BUILD=$(SAN_BUILD) bash tests/run.sh $(if $(J),-j $(J)) $(addprefix unit/,$(SAN_UNITS)) golden/ cli/
sanitize-build: $(BUILD)/leakscope $(BUILD)/liblscache.a $(PROG_BIN) $(UNIT_BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/leakscope $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/leakscope $(DESTDIR)$(PREFIX)/bin/leakscope
	install -m 644 $(BUILD)/libleakscope.so $(DESTDIR)$(PREFIX)/lib/leakscope/libleakscope.so
	install -m 644 include/leakscope.h $(DESTDIR)$(PREFIX)/include/leakscope.h
	install -m 644 $(BUILD)/liblscache.a $(DESTDIR)$(PREFIX)/lib/liblscache.a
	install -m 644 include/lsref.h $(DESTDIR)$(PREFIX)/include/lsref.h
	install -m 644 include/lscache.h $(DESTDIR)$(PREFIX)/include/lscache.h
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 docs/leakscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/leakscope.1
	install -m 644 scripts/leakscope-completion.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/leakscope

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
