# leakscope: build the agent, the command, the examples and the tests.
#   make          build/leakscope, build/libleakscope.so and build/liblscache.a
#   make demo     install missing packages, build, run the leaky example under leakscope
#   make test     every test; the last line is "N passed, N failed"
#   make test T=name   only the tests whose name contains "name"
#   make install PREFIX=/usr/local

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
STD     := -std=gnu11 -D_GNU_SOURCE

AGENT_SRC := $(sort $(wildcard agent/*.c))
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/%.o)
CLI_SRC   := $(sort $(wildcard cli/*.c))
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))
LSLIB_SRC := $(sort $(wildcard lib/*.c))
LSLIB_OBJ := $(LSLIB_SRC:%.c=$(BUILD)/%.o)

# The agent links libc only (libunwind is dlopen'ed privately, see agent/unwind.c).
AGENT_CFLAGS := $(STD) $(WARN) $(CFLAGS) -fPIC -fno-plt -fvisibility=hidden -ftls-model=initial-exec \
                -Iagent -Iinclude
AGENT_LDFLAGS := -shared -Wl,-z,nodelete -Wl,-z,now -Wl,--no-undefined -lm
CLI_CFLAGS := $(STD) $(WARN) $(CFLAGS) -Icli -Iinclude
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

.PHONY: all deps demo test install clean check-tools
all: $(BUILD)/libleakscope.so $(BUILD)/leakscope $(BUILD)/liblscache.a

deps:
	@sh scripts/install-deps.sh

$(BUILD)/agent/%.o: agent/%.c $(wildcard agent/*.h) $(wildcard include/*.h) | $(BUILD)/agent
	$(CC) $(AGENT_CFLAGS) -c $< -o $@
$(BUILD)/libleakscope.so: $(AGENT_OBJ)
	$(CC) $(AGENT_OBJ) $(AGENT_LDFLAGS) -o $@

$(BUILD)/cli/%.o: cli/%.c $(wildcard cli/*.h) | $(BUILD)/cli
	$(CC) $(CLI_CFLAGS) -c $< -o $@
$(BUILD)/leakscope: $(CLI_OBJ)
	$(CC) $(CLI_OBJ) $(CLI_LIBS) -o $@

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) $(wildcard include/*.h) | $(BUILD)/lib
	$(CC) $(STD) $(WARN) $(CFLAGS) -fPIC -Ilib -Iinclude -c $< -o $@
$(BUILD)/liblscache.a: $(LSLIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LSLIB_OBJ)

$(BUILD)/tests/progs/lib%.so: tests/progs/lib%.c | $(BUILD)/tests/progs
	$(CC) -O0 -g -fPIC -shared -o $@ $<
$(BUILD)/tests/progs/%: tests/progs/%.c | $(BUILD)/tests/progs
	$(CC) -O0 -g -fno-omit-frame-pointer -o $@ $< -lpthread -ldl -lm
$(BUILD)/tests/progs/%: tests/progs/%.cc | $(BUILD)/tests/progs
	$(CXX) -O0 -g -o $@ $< -lpthread -ldl
$(BUILD)/tests/unit/%: tests/unit/%.c $(CLI_LIB_OBJ) $(LSLIB_OBJ) | $(BUILD)/tests/unit
	$(CC) $(CLI_CFLAGS) -Ilib -Itests -o $@ $< $(CLI_LIB_OBJ) $(LSLIB_OBJ) $(CLI_LIBS)
$(BUILD)/examples/%: examples/%.c $(BUILD)/liblscache.a | $(BUILD)/examples
	$(CC) -O1 -g -Iinclude -o $@ $< $(BUILD)/liblscache.a -lpthread
$(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) -O2 -g -o $@ $< -lpthread -lm

$(BUILD)/agent $(BUILD)/cli $(BUILD)/lib $(BUILD)/tests/progs $(BUILD)/tests/unit $(BUILD)/examples $(BUILD)/bench:
	@mkdir -p $@

test-build: all $(PROG_BIN) $(UNIT_BIN) $(EXAMPLE_BIN) $(BENCH_BIN)

demo: deps all $(EXAMPLE_BIN)
	@echo "== running examples/leaky under leakscope =="
	$(BUILD)/leakscope run -- $(BUILD)/examples/leaky

test: deps test-build
	@sh tests/run.sh $(T)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/leakscope $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/leakscope $(DESTDIR)$(PREFIX)/bin/leakscope
	install -m 644 $(BUILD)/libleakscope.so $(DESTDIR)$(PREFIX)/lib/leakscope/libleakscope.so
	install -m 644 include/leakscope.h $(DESTDIR)$(PREFIX)/include/leakscope.h
	install -m 644 $(BUILD)/liblscache.a $(DESTDIR)$(PREFIX)/lib/liblscache.a
	install -m 644 include/lsref.h $(DESTDIR)$(PREFIX)/include/lsref.h
	install -m 644 include/lscache.h $(DESTDIR)$(PREFIX)/include/lscache.h

clean:
	rm -rf $(BUILD)
