// SPDX-License-Identifier: GPL-2.0
/* The metric families hivemon exports: names, types, help, histogram bounds. */
#include "export/prom_series.h"

const struct prom_le_bound prom_le_bounds[N_BOUNDS] = {
	{1000, "1e-06"},     {2500, "2.5e-06"},	  {5000, "5e-06"},     {10000, "1e-05"},
	{25000, "2.5e-05"},  {50000, "5e-05"},	  {100000, "0.0001"},  {250000, "0.00025"},
	{500000, "0.0005"},  {1000000, "0.001"},  {2500000, "0.0025"}, {5000000, "0.005"},
	{10000000, "0.01"},  {25000000, "0.025"}, {50000000, "0.05"},  {100000000, "0.1"},
	{250000000, "0.25"}, {500000000, "0.5"},  {1000000000, "1"},   {2500000000, "2.5"},
	{5000000000, "5"},   {10000000000, "10"}, {60000000000, "60"},
};

const struct prom_family prom_families[N_FAMILIES] = {
	[FAM_SYSCALL_LAT] =
		{"hivemon_syscall_latency_seconds", KIND_HISTOGRAM,
		 "Syscall latency (syscall.latency); _count is the exact number of calls."},
	[FAM_SYSCALL_ERRORS] = {"hivemon_syscall_errors_total", KIND_COUNTER,
				"Syscalls that returned an error."},
	[FAM_TCP_CONNECT_LAT] = {"hivemon_tcp_connect_latency_seconds", KIND_HISTOGRAM,
				 "TCP connect latency per remote endpoint (tcp.connect.latency)."},
	[FAM_TCP_CONNECT_ERRORS] = {"hivemon_tcp_connect_errors_total", KIND_COUNTER,
				    "TCP connects that were refused or timed out."},
	[FAM_TCP_RTT] = {"hivemon_tcp_rtt_seconds", KIND_HISTOGRAM,
			 "Smoothed TCP round-trip time samples per remote endpoint (tcp.rtt)."},
	[FAM_TCP_RETRANSMITS] = {"hivemon_tcp_retransmits_total", KIND_COUNTER,
				 "TCP segments retransmitted (tcp.retransmits)."},
	[FAM_TCP_REQUEST_LAT] = {"hivemon_tcp_request_latency_seconds", KIND_HISTOGRAM,
				 "Request/response time on TCP connections (tcp.request.latency)."},
	[FAM_SCHED_RUNQ_LAT] = {"hivemon_sched_runq_latency_seconds", KIND_HISTOGRAM,
				"Time runnable threads waited for a CPU (sched.runq.latency)."},
	[FAM_CPU_SECONDS] = {"hivemon_cpu_seconds_total", KIND_COUNTER, "CPU time spent on a CPU."},
	[FAM_CPU_USAGE] = {"hivemon_cpu_usage_ratio", KIND_GAUGE,
			   "CPU usage in the last interval, 1 = one core busy (cpu.usage / 100)."},
	[FAM_MEM_RSS] = {"hivemon_mem_rss_bytes", KIND_GAUGE, "Resident set size (mem.rss)."},
	[FAM_MEM_ANON] = {"hivemon_mem_anon_bytes", KIND_GAUGE,
			  "Private anonymous resident memory (mem.anon)."},
	[FAM_PAGE_FAULTS] = {"hivemon_alloc_page_faults_total", KIND_COUNTER, "Page faults."},
	[FAM_RECLAIM_STALL] = {"hivemon_alloc_reclaim_stall_seconds", KIND_SUMMARY,
			       "Time stalled in direct memory reclaim (alloc.reclaim.stall)."},
	[FAM_MALLOC_LAT] = {"hivemon_alloc_malloc_latency_seconds", KIND_HISTOGRAM,
			    "malloc latency, net of probe cost (alloc.malloc.latency)."},
	[FAM_PROCESSES] = {"hivemon_processes", KIND_GAUGE, "Processes seen in the last interval."},
	[FAM_LOST_EVENTS] = {"hivemon_lost_events_total", KIND_COUNTER,
			     "Events the kernel could not hand to hivemon (full buffers)."},
	[FAM_STORE_WRITTEN] = {"hivemon_store_rows_written_total", KIND_COUNTER,
			       "Rows committed to the PostgreSQL history."},
	[FAM_STORE_DROPPED] = {"hivemon_store_rows_dropped_total", KIND_COUNTER,
			       "History rows dropped: queue full while the database was away, or "
			       "rejected by it."},
	[FAM_STORE_QUEUED] = {"hivemon_store_rows_queued", KIND_GAUGE,
			      "History rows waiting in memory for the database."},
	[FAM_STORE_CONNECTED] = {"hivemon_store_connected", KIND_GAUGE,
				 "1 when the history store is connected to PostgreSQL."},
};
