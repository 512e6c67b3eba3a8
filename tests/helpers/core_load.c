// SPDX-License-Identifier: GPL-2.0
/*
 * Loads a BPF object into this kernel as it would load on a kernel that
 * lacks some fields: the object's CO-RE relocations are resolved against
 * this kernel's BTF with the given members renamed away, so every check of
 * those fields comes out false and every unguarded read of them is
 * poisoned (the verifier then rejects it). Prints, per tp_btf program,
 * "NAME INSNS: ARGS": its length and the tracepoint arguments it reads from
 * its context once the verifier dropped the code no path reaches.
 * Used by tests/integration/core.bats.
 *
 * usage: core_load OBJECT [STRUCT.MEMBER...]
 * STRUCT may name a typedef of a struct (possible_net_t.net).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_ARGS 12

static int print_warn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int find_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	const struct btf_type *t;

	if (id > 0)
		return id;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return id;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	return t && btf_is_struct(t) ? btf__resolve_type(btf, id) : -ENOENT;
}

/* Renames member @spec ("struct.member") so no relocation finds it. */
static int hide_member(struct btf *btf, const char *spec)
{
	char sname[128], hidden[192];
	const char *member = strchr(spec, '.');
	const struct btf_type *t;
	struct btf_member *m;
	int id, off;

	if (!member || member - spec >= (long)sizeof(sname))
		return -EINVAL;
	snprintf(sname, sizeof(sname), "%.*s", (int)(member - spec), spec);
	member++;
	id = find_struct(btf, sname);
	if (id < 0)
		return id;
	snprintf(hidden, sizeof(hidden), "hidden_%s", member);
	off = btf__add_str(btf, hidden);
	if (off < 0)
		return off;
	/* After btf__add_str the types are in writable memory. */
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member)) {
			m->name_off = off;
			return 0;
		}
	}
	return -ENOENT;
}

static int write_btf(const struct btf *btf, const char *path)
{
	__u32 size;
	const void *raw = btf__raw_data(btf, &size);
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!raw || !f || fwrite(raw, 1, size, f) != size)
		err = -EIO;
	if (f && fclose(f))
		err = -EIO;
	return err;
}

/* Registers that may hold the context after @in, given those before it. */
static unsigned int ctx_after(const struct bpf_insn *in, unsigned int ctx)
{
	__u8 cls = BPF_CLASS(in->code);

	if (cls == BPF_JMP && BPF_OP(in->code) == BPF_CALL)
		return ctx & ~0x3fu; /* r0-r5 */
	if (in->code == (BPF_ALU64 | BPF_MOV | BPF_X))
		return ctx & (1u << in->src_reg) ? ctx | 1u << in->dst_reg
						 : ctx & ~(1u << in->dst_reg);
	if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD)
		return ctx & ~(1u << in->dst_reg);
	return ctx;
}

/* Adds @ctx to what may reach insn @to; queues it if that grew. */
static void reach(unsigned int *in, char *todo, __u32 n, long to, unsigned int ctx)
{
	if (to < 0 || to >= n || (in[to] | ctx) == in[to])
		return;
	in[to] |= ctx;
	todo[to] = 1;
}

/* Marks in @read the context slots the @n insns load, following every path
 * from entry, where r1 is the context. */
static void scan_ctx(const struct bpf_insn *insns, __u32 n, int read[MAX_ARGS])
{
	unsigned int *in = calloc(n, sizeof(*in));
	char *todo = calloc(n, 1);
	bool again = true;

	if (!in || !todo)
		goto out;
	in[0] = 1u << BPF_REG_1;
	todo[0] = 1;
	while (again) {
		again = false;
		for (__u32 i = 0; i < n; i++) {
			const struct bpf_insn *x = &insns[i];
			__u8 cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
			unsigned int out;

			if (!todo[i])
				continue;
			todo[i] = 0;
			again = true;
			if (cls == BPF_LDX && (in[i] & (1u << x->src_reg)) && x->off >= 0 &&
			    x->off / 8 < MAX_ARGS)
				read[x->off / 8] = 1;
			out = ctx_after(x, in[i]);
			if (x->code == (BPF_LD | BPF_IMM | BPF_DW)) {
				reach(in, todo, n, i + 2L, out);
				continue;
			}
			if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT)
				continue;
			if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL)
				reach(in, todo, n, i + 1L + x->off, out);
			if (!(cls == BPF_JMP && op == BPF_JA))
				reach(in, todo, n, i + 1L, out);
		}
	}
out:
	free(in);
	free(todo);
}

/* The verifier's final instructions of program @fd (xlated). */
static struct bpf_insn *xlated(int fd, __u32 *n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_insn *insns;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	*n = info.xlated_prog_len / sizeof(*insns);
	insns = calloc(*n, sizeof(*insns));
	if (!insns)
		return NULL;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = *n * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		free(insns);
		return NULL;
	}
	return insns;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/core_load_btf.XXXXXX";
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct btf *btf;
	int fd, err;

	if (argc < 2) {
		fprintf(stderr, "usage: core_load OBJECT [STRUCT.MEMBER...]\n");
		return 2;
	}
	libbpf_set_print(print_warn);
	btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (!btf)
		return 1;
	for (int i = 2; i < argc; i++) {
		err = hide_member(btf, argv[i]);
		if (err) {
			fprintf(stderr, "core_load: %s: %s\n", argv[i], strerror(-err));
			return 2;
		}
	}
	fd = mkstemp(path);
	if (fd < 0 || close(fd) || write_btf(btf, path))
		return 1;
	btf__free(btf);

	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = path);
	obj = bpf_object__open_file(argv[1], &opts);
	err = obj ? bpf_object__load(obj) : -errno;
	unlink(path);
	if (err) {
		fprintf(stderr, "core_load: load failed: %s\n", strerror(-err));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		int read[MAX_ARGS] = {};
		struct bpf_insn *insns;
		__u32 n;

		if (bpf_program__expected_attach_type(prog) != BPF_TRACE_RAW_TP)
			continue;
		insns = xlated(bpf_program__fd(prog), &n);
		if (!insns)
			return 1;
		scan_ctx(insns, n, read);
		free(insns);
		printf("%s %u:", bpf_program__name(prog), n);
		for (int a = 0; a < MAX_ARGS; a++)
			if (read[a])
				printf(" %d", a);
		printf("\n");
	}
	bpf_object__close(obj);
	return 0;
}
