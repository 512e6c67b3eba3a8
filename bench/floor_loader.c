// SPDX-License-Identifier: GPL-2.0
/*
 * Loads a BPF object file, attaches every program in it and holds them
 * until SIGINT/SIGTERM. Used by the benchmarks to measure the floor cost
 * of empty programs. A program whose section names no hook (a bare
 * SEC("raw_tp")) is loaded, not attached. Usage: floor_loader FILE.bpf.o
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#define MAX_LINKS 32

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0, unattached = 0, err = 1, sig;
	sigset_t set;

	if (argc != 2) {
		fprintf(stderr, "usage: floor_loader FILE.bpf.o\n");
		return 2;
	}
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal never reaches sigwait(): take the default disposition back,
	 * then block the stop signals and wait for them below. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "floor_loader: cannot open %s\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "floor_loader: cannot load %s\n", argv[1]);
		goto out;
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (n == MAX_LINKS)
			break;
		links[n] = bpf_program__attach(prog);
		if (!links[n] && errno == EOPNOTSUPP) {
			unattached++;
			continue;
		}
		if (!links[n]) {
			fprintf(stderr, "floor_loader: cannot attach %s\n",
				bpf_program__name(prog));
			goto detach;
		}
		n++;
	}
	printf("attached %d programs (%d loaded only)\n", n, unattached);
	fflush(stdout);
	sigwait(&set, &sig);
	err = 0;
detach:
	while (n > 0)
		bpf_link__destroy(links[--n]);
out:
	bpf_object__close(obj);
	return err;
}
