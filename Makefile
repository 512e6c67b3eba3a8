# hivemon — eBPF observability agent.
# BPF objects are built with clang -target bpf against the committed
# vmlinux.h, turned into skeletons with bpftool, and linked into one binary.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := x86

PKGS := libbpf libelf zlib inih jansson libcurl openssl ncursesw libmicrohttpd libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	  -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Isrc -I. $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm -lpthread

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf -Wall \
	      -Wno-unused-function

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)

LAYERS := util core kernel probes analysis report alert export store postgres top rebalance pools cmd
SRCS := $(wildcard $(LAYERS:%=src/%/*.c))
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/cmd/main.o,$(OBJS))
HDRS := $(wildcard $(LAYERS:%=src/%/*.h))

WORKLOADS := $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(wildcard tests/workloads/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit-asan/%,$(UNIT_SRCS))
# bench/floor*.c (empty programs and their loader) are built by the scripts
# that use them.
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(filter-out bench/floor%,$(wildcard bench/*.c)))
ASAN_OBJS := $(patsubst $(BUILD)/obj/%,$(BUILD)/obj-asan/%,$(LIB_OBJS))
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps run test unit install clean format bench workloads check-layers

all: $(BUILD)/hivemon

deps:
	@./deploy/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/hivemon: $(OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD) $(BUILD)/obj $(BUILD)/obj-asan $(BUILD)/workloads $(BUILD)/unit $(BUILD)/unit-asan $(BUILD)/bench:
	mkdir -p $@

$(BUILD)/workloads/%: tests/workloads/%.c | $(BUILD)/workloads
	$(CC) -O2 -g -Wall -D_GNU_SOURCE -o $@ $< -lpthread -lm

workloads: $(WORKLOADS)

# Unit tests link the userspace objects except main, once plain and once
# under AddressSanitizer + UBSan (objects rebuilt with the sanitizers).
$(BUILD)/unit/%: tests/unit/%.c tests/unit/*.h $(LIB_OBJS) | $(BUILD)/unit
	$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS) -lcmocka

$(BUILD)/obj-asan/%.o: src/%.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/unit-asan/%: tests/unit/%.c tests/unit/*.h $(ASAN_OBJS) | $(BUILD)/unit-asan
	$(CC) $(CFLAGS) $(SAN_FLAGS) $< $(ASAN_OBJS) -o $@ $(LDLIBS) -lcmocka

unit: $(UNIT_BINS) $(ASAN_BINS)

# Only src/probes and src/kernel may touch BPF (tests/lint/check-layers.sh);
# FILES= checks other files instead of the tree.
check-layers: $(SKELS)
	@CC="$(CC)" CFLAGS="$(CFLAGS)" tests/lint/check-layers.sh $(FILES)


test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all workloads unit
	@./tests/run-all.sh $(BUILD)

run: deps all
	./$(BUILD)/hivemon run --config deploy/hivemon.conf

# Benchmark programs link the userspace objects like the unit tests.
$(BUILD)/bench/%: bench/%.c bench/*.h $(LIB_OBJS) | $(BUILD)/bench
	$(CC) $(CFLAGS) -Ibench $< $(LIB_OBJS) -o $@ $(LDLIBS)

bench: all workloads $(BENCH_BINS)

install: $(BUILD)/hivemon
	install -D -m 0755 $(BUILD)/hivemon $(DESTDIR)$(PREFIX)/sbin/hivemon
	install -D -m 0644 deploy/hivemon.conf $(DESTDIR)/etc/hivemon/hivemon.conf
	install -D -m 0644 deploy/hivemon.service $(DESTDIR)/lib/systemd/system/hivemon.service

# Man pages, written in scdoc (man/*.scd); man/tidy.awk drops the paragraph
# macros scdoc emits where roff ignores them. Not part of `all`, so a build
# without scdoc still works; `install` needs them.
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))

.PHONY: man install-man
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd man/tidy.awk
	@mkdir -p $(@D)
	scdoc < $< | awk -f man/tidy.awk > $@.tmp && mv $@.tmp $@

install: install-man
install-man: $(MAN_PAGES)
	install -D -m 0644 $(BUILD)/man/hivemon.8 $(DESTDIR)$(PREFIX)/share/man/man8/hivemon.8
	install -D -m 0644 $(BUILD)/man/hivemon.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/hivemon.conf.5

format:
	clang-format -i bpf/*.c bpf/*.h $(SRCS) $(HDRS) tests/unit/*.c tests/workloads/*.c

clean:
	rm -rf $(BUILD)
