/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Services: processes grouped the way an operator names them. A process in
 * a cgroup of its own (a systemd unit, a container) belongs to that
 * cgroup's service; any other process to the service of its executable
 * under its parent, where a chain of processes running the same executable
 * counts as one (PostgreSQL's postmaster and backends, nginx's master and
 * workers, gunicorn). Identified once per process from /proc by the
 * collector; grouped per snapshot by consumers.
 */
#ifndef HIVEMON_CORE_SERVICES_H
#define HIVEMON_CORE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* How a process's service is told apart: a hash of its cgroup path, or of
 * its executable and the parent of its same-executable chain. */
struct service_id {
	uint64_t key;
	char name[SERVICE_NAME_LEN];
};

/* The service name a cgroup path gives ("/system.slice/nginx.service" ->
 * "nginx"), or NULL when the cgroup names no service (the root, login
 * sessions, init.scope). @buf has SERVICE_NAME_LEN bytes. */
const char *service_name_of_cgroup(const char *cgroup, char *buf);
/* Reads /proc for @pid (in @cgroup, NULL when unknown; @comm names kernel
 * threads and processes whose executable cannot be read). Always fills
 * @out; returns -ESRCH when the process is gone (@out is then a guess from
 * the cgroup or comm, not to be cached), else 0. */
int service_identify(uint32_t pid, const char *cgroup, const char *comm, struct service_id *out);

struct service {
	char name[SERVICE_NAME_LEN]; /* unique within the snapshot */
	uint64_t key;
	size_t *procs; /* indices into snapshot.procs, owned */
	size_t n_procs;
};

struct services {
	struct service *items; /* owned, in order of first appearance */
	size_t n;
	size_t *of_proc; /* owned: service index of each snapshot process */
};

/* Groups @snap's processes by their service key; names that two services
 * share get ":<n>" appended. 0 or -ENOMEM. */
int services_build(const struct snapshot *snap, struct services *out);
void services_free(struct services *s);
/* The service of process @proc_index, or NULL. */
const struct service *services_of_proc(const struct services *s, size_t proc_index);

#endif
