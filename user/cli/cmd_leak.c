// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf leak`: attach to a process (or launch a command), keep symbolizing new stacks
 * while the process is alive, print the top stacks every --interval, and print the final
 * report when the duration ends, on Ctrl-C or SIGTERM, or when the target exits. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "analysis/early_stacks.h"
#include "analysis/leak_model.h"
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_leak.h"
#include "cli/event_loop.h"
#include "cli/leak_opts.h"
#include "cli/leak_view.h"
#include "cli/options.h"
#include "cli/render.h"
#include "cli/session_open.h"
#include "lib/array.h"
#include "lib/rate_limit.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "output/report_format.h"
#include "probe/attach.h"
#include "probe/early_rewalk.h"
#include "probe/leak_loader.h"
#include "probe/links.h"
#include "probe/self_untrap.h"
#include "probe/unwind_set.h"
#include "session/control.h"
#include "session/live_session.h"
#include "symbols/symbolize.h"
#include "target/proc_dir.h"
#include "target/proc_scan.h"
#include "target/target.h"

/* how often new stacks are symbolized: short, so a process that exits leaves few unnamed */
#define TICK_MS 200
/* symbolizing this many new stacks at once shows progress on a terminal */
#define PROGRESS_STACKS 2000
/* a file told mapped executable before its mapping was in place is looked for again every
 * millisecond, this long at most, before the symbolizer reads the mappings */
#define CODE_RETRY_S 0.1
/* after an exec, the new image's allocator is looked for at each code event, this long */
#define EXEC_RESOLVE_S 2.0
/* files a dynamic linker's event opens and keeps until their rows are loaded (more: queued
 * at once) */
#define LINKED_MAX 64
/* how long an allocation walked before its rows waits for them to be walked again (s) */
#define EARLY_WAIT_S 2.0
/* a process's mappings read for its early walks are read again after this long (s) */
#define EARLY_MAPS_S 0.05
/* allocators attached after execs, at most */
#define EXTRA_ALLOCS_MAX 8

/* A file mapped executable whose mapping was not in place yet when told */
struct code_wait {
	uint32_t pid;
	uint32_t dev;
	uint64_t ino;
	double until_s;
};

/* processes traced by their own probes at once, the target included (following forks); a
 * process gone has its probes detached in the background */
#define PROCS_MAX 256
/* processes followed in a session, gone ones included (each is listed in the final report) */
#define PROCS_TOTAL_MAX 4096
/* forked processes named on stderr as they are followed; the rest in the summary at the end */
#define FORKS_SAID_MAX 8
/* execs whose image is not traced, named on stderr; the rest are in the report (a shell loop
 * running short-lived programs would fill the terminal) */
#define EXEC_WARN_MAX 8
/* execs a second whose old image's stacks are named before the new mappings are read */
#define EXEC_NAMES_RATE 10
/* the code thread's poll timeout: how soon it sees that the session ends (ms) */
#define CODE_POLL_MS 50
/* how long a tick waits for the code thread's flush at most (ms) */
#define CODE_FLUSH_MS 100
/* A new stack of a process gone before its mappings were read, with an address in none the
 * kernel's events told of yet, is named at a later tick (the events may be on their way),
 * for up to STACK_HOLD_S after it was first met; the final report names every one. At most
 * STACKS_HELD_MAX held at once; beyond, they are named at once. */
#define STACK_HOLD_S 1.0
/* An exec the kernel saw and whose event is not handled yet (the code thread is behind): the
 * process's mappings are not read (they would be the new image's, while the stacks to name
 * may be the old one's) and its new stacks wait, for up to EXEC_PENDING_S after the exec (an
 * event lost waits no longer), never for the final report (every event is handled by then) */
#define EXEC_PENDING_S 10.0
#define STACKS_HELD_MAX 4096

/* An allocator met after an exec: where to probe it (each process's links are its own) */
struct extra_alloc {
	struct allocator alloc;
	struct probe_plan plan;
};

/* A process traced by its own probes (launch and --pid mode): the target, procs[0], and
 * following forks each process it forked, and theirs. The uprobes filter by address space, so
 * each process has its own links to each allocator its images used. */
struct traced_proc {
	struct leak_proc_note note; /* pid, ppid (0 for the target), comm */
	int alloc;	   /* the allocator its image uses: 0 the main one, 1 + i extra[i] */
	uint32_t attached; /* bit a: allocator a's probes are attached for it */
	bool gone;
	double attach_ms; /* a forked one: how long after its fork its probes were in */
	struct probe_links links[1 + EXTRA_ALLOCS_MAX]; /* the target's [0] is the loader's */
};

struct leak_run {
	struct leak_opts *opts;
	struct target tgt;
	struct event_loop loop;
	struct leak_view view;
	struct leak_loader *loader;
	struct symbolizer *sym;
	struct leak_sample sample;
	struct allocator alloc;
	char alloc_name[PATH_MAX]; /* the main allocator module as shown: sanitized */
	struct probe_plan plan;
	int ctlfd;    /* control socket for `perfan-bpf mark`, -1 when none */
	int ev_ctl;   /* its event bit */
	int ev_marks; /* the USDT marks' event bit, 0 when none */
	struct live_session *live;
	struct unwind_set unwind; /* files whose frames are left by .eh_frame rows */
	char output[PATH_MAX];
	unsigned usr1_count;
	bool live_view;	 /* text on a terminal: redraw in place */
	bool stderr_tty; /* progress lines for long steps */
	/* labels from USDT marks, waiting for their snapshot */
	char marks[16][LEAK_MARK_LABEL_MAX];
	unsigned mark_cnt;
	uint64_t marks_dropped;	     /* the queue was full */
	struct rate_limit mark_rate; /* the target's marks: --max-mark-rate a second */
	int ev_code;		     /* the code events' bit (execs, code mapped) */
	struct code_wait *waits;     /* files told mapped, not in place yet */
	size_t wait_cnt, wait_cap;
	struct leak_exec_note *execs;
	size_t exec_cnt, exec_cap;
	uint32_t *scanned; /* --all: pids whose files were looked at, sorted */
	size_t scanned_cnt, scanned_cap;
	uint64_t *unseen; /* ids of stacks walked before a file of theirs was looked at, sorted */
	size_t unseen_cnt, unseen_cap;
	struct early_fold fold;	     /* at the last read */
	struct early_rewalk *rewalk; /* allocations walked before their rows, walked again */
	/* their ring buffer is read by a thread of its own as they come: a program's start
	 * makes thousands at once, while the code thread reads its files' rows */
	pthread_t early_thread;
	bool early_thread_on;
	/* PERFAN_TEST_ROWS_DELAY_MS (tests only, at most 1000): the code thread waits this long
	 * before it loads the rows of a file mapped, so that a test makes the race with the
	 * first allocations through it lost every time */
	int rows_delay_ms;
	struct extra_alloc *extra[EXTRA_ALLOCS_MAX];
	int extra_cnt;
	struct traced_proc *procs; /* [0] the target once attached (not with --all) */
	size_t proc_cnt, proc_cap;
	uint64_t forks_followed, forks_refused; /* refused: PROCS_MAX, or attach failures */
	uint64_t forks_gone;			/* exited before their probes were in */
	unsigned execs_warned;			/* exec warnings said (EXEC_WARN_MAX) */
	double fork_ms_min, fork_ms_max;	/* the forked ones' attach delays */
	bool target_gone;			/* following forks: the target exited first */
	struct links_reaper reaper;		/* the probes of processes gone */
	struct leak_proc_note *notes;		/* the followed ones, for the final report */
	char **env;				/* the launched command's, when ours is not */
	struct rate_limit exec_names;		/* stacks named at execs (EXEC_NAMES_RATE) */
	/* the last exec of each process handled here (on_code), for EXEC_PENDING_S */
	struct exec_seen {
		uint32_t pid;
		uint64_t ns; /* its event's ts_ns */
	} * execs_seen;
	size_t execs_seen_cnt, execs_seen_cap;
	/* The code events are read by a thread of their own, which loads the new files' unwind
	 * rows at once: the main thread may be naming stacks for tens of ms meanwhile, and a
	 * dlopen'ed file's walks stop at it until its rows are in. The rest of their handling is
	 * queued for the main thread, woken through code_wake (an eventfd). */
	pthread_t code_thread;
	bool code_thread_on;
	int code_stop;		    /* __atomic */
	pthread_mutex_t rows_lock;  /* unwind, scanned, the loader's rows: both threads */
	pthread_mutex_t queue_lock; /* queued */
	int code_wake;
	/* a tick's flush: every event in the ring buffer when it was asked is queued once
	 * flush_done reaches it (its stacks are then named with their process's mappings) */
	int code_ep, code_flush;
	/* the early thread's: its ring buffer and early_stop, which wakes it to stop */
	int early_ep, early_stop;
	uint64_t flush_req, flush_done; /* under queue_lock */
	pthread_cond_t flush_cond;
	struct leak_code_event *queued;
	size_t queued_cnt, queued_cap;
	/* the files the code thread and the early walks' thread opened for the symbolizer */
	pthread_mutex_t opened_lock;
	struct {
		uint32_t dev;
		uint64_t ino;
	} * opened;
	size_t opened_cnt, opened_cap;
	unsigned pymalloc_said; /* CPython processes told of (EXEC_WARN_MAX) */
	struct held_stack {
		uint32_t pid;
		uint64_t stack_id;
		double since_s;
	} * held; /* STACK_HOLD_S */
	size_t held_cnt, held_cap;
	bool naming_final; /* the final report's names: none held */
};

/* The USDT mark handler: queue the label (sanitized by the loader); the loop takes the
 * snapshot. The target decides how often this runs: at most --max-mark-rate a second
 * get through, the rest are counted. */
static void on_mark(void *ctx, uint32_t tgid, const char *label)
{
	struct leak_run *s = ctx;

	(void)tgid;
	if (!rate_limit__take(&s->mark_rate, cli_bpf__now_s()))
		return;
	if (s->mark_cnt == sizeof(s->marks) / sizeof(s->marks[0])) {
		s->marks_dropped++;
		return;
	}
	snprintf(s->marks[s->mark_cnt++], sizeof(s->marks[0]), "%s", *label ? label : "usdt");
}

/* Listen to the target's perfan:mark probes (usually in the program itself) */
static void attach_usdt_marks(struct leak_run *s)
{
	char dir[PATH_MAX];
	int n, fd;

	if (target__proc_dir(&s->tgt, dir, sizeof(dir), NULL))
		return;
	n = leak_loader__attach_all_marks(s->loader, s->tgt.pid, dir);
	fd = n ? leak_loader__marks_fd(s->loader, on_mark, s) : -1;
	if (fd >= 0)
		s->ev_marks = event_loop__add_fd(&s->loop, fd);
	if (n && s->opts->verbose)
		fprintf(stderr, "perfan-bpf: listening to perfan:mark probes in %d module(s)\n", n);
}

/* The control socket and the session file, before any probe is attached: a second session
 * on the same pid is refused before it touches the target. 0 or the exit status. */
static int open_session(struct leak_run *s)
{
	int pid = s->tgt.pid;
	struct live_session_opts lo = {
		.pid = (uint32_t)pid,
		.command = s->tgt.command[0] ? s->tgt.command : NULL,
		.allocator = s->alloc.mods[0].module,
		.force = s->opts->force,
		.max_file_bytes = s->opts->max_session_bytes,
	};

	s->ctlfd = control__listen(pid);
	if (s->ctlfd == -EADDRINUSE)
		return pid ? cli__error("another perfan-bpf session already traces pid %d", pid)
			   : cli__error("another perfan-bpf session already traces --all");
	if (s->ctlfd < 0)
		fprintf(stderr,
			"perfan-bpf: warning: 'perfan-bpf mark' will not reach this "
			"session: cannot listen on its control socket: %s\n",
			strerror(-s->ctlfd));
	s->ev_ctl = event_loop__add_fd(&s->loop, s->ctlfd);
	return session_open(&lo, s->opts->output, s->opts->no_output, s->output, sizeof(s->output),
			    &s->live);
}

/* The launched command's environment: ours with PYTHONMALLOC=malloc added, so that CPython
 * allocates every object with malloc, where the probes see it (its own allocator, pymalloc,
 * serves objects of up to 512 B from arenas it maps itself); NULL: ours as it is (the user
 * set PYTHONMALLOC, or --keep-pymalloc) */
static char **command_env(struct leak_run *s)
{
	extern char **environ;
	size_t n = 0;

	if (s->opts->keep_pymalloc || getenv("PYTHONMALLOC"))
		return NULL;
	while (environ[n])
		n++;
	s->env = calloc(n + 2, sizeof(*s->env));
	if (!s->env)
		return NULL; /* as it is: said when the command is CPython */
	memcpy(s->env, environ, n * sizeof(*s->env));
	s->env[n] = "PYTHONMALLOC=malloc";
	return s->env;
}

/* pid runs CPython: say whether its small objects are seen. They are when it runs with
 * PYTHONMALLOC=malloc (or malloc_debug), which launch mode sets unless told not. */
static void say_pymalloc(struct leak_run *s, uint32_t pid)
{
	char val[32];
	int err = proc_scan__env("/proc", pid, "PYTHONMALLOC", val, sizeof(val));

	if (err == -ESRCH || ++s->pymalloc_said > EXEC_WARN_MAX)
		return;
	if (!err && (!strcmp(val, "malloc") || !strcmp(val, "malloc_debug"))) {
		if (s->env && s->pymalloc_said == 1)
			fprintf(stderr,
				"perfan-bpf: pid %u is CPython: the command runs with "
				"PYTHONMALLOC=malloc, so that its objects are allocated with malloc "
				"and seen, small ones too (slower than its own allocator; "
				"--keep-pymalloc leaves it be)\n",
				pid);
		return;
	}
	fprintf(stderr,
		"perfan-bpf: warning: pid %u is CPython with its own object allocator (pymalloc): "
		"objects of up to 512 B are not seen; run it with PYTHONMALLOC=malloc (what "
		"'perfan-bpf leak -- COMMAND' does), or see its growth with 'perfan-bpf growth "
		"--pid %u'\n",
		pid, pid);
}

/* The allocator the target maps (--all: the one we map) and where to probe it */
static int find_allocator(struct leak_run *s)
{
	struct target self, *t = &s->tgt;
	char dir[PATH_MAX], root[PATH_MAX + 16], exe[PATH_MAX];
	struct proc_maps maps = {};
	enum proc_kind kind;
	int err;

	if (!t->pid) {
		target__init_pid(&self, getpid());
		t = &self;
	}
	err = target__maps(t, &maps, dir, sizeof(dir), exe, sizeof(exe));
	if (err == -ESRCH && (kind = proc_dir__kind("/proc", t->pid)) != PROC_KIND_USER)
		return cli__error("pid %d cannot be traced: it is %s", t->pid,
				  proc_dir__kind_text(kind));
	if (err)
		return cli__error("cannot read the mappings of pid %d: %s", t->pid, strerror(-err));
	snprintf(root, sizeof(root), "%s/root", dir);
	err = allocator__find(&maps, root, exe, &s->alloc);
	proc_maps__free(&maps);
	if (err)
		return cli__error("pid %d has no allocator to probe: no mapped module defines "
				  "malloc and free (a Go program, or one built without malloc?)",
				  t->pid);
	snprintf(s->alloc_name, sizeof(s->alloc_name), "%s", s->alloc.mods[0].module);
	sanitize__str(s->alloc_name);
	if (s->tgt.pid && s->alloc.cpython)
		say_pymalloc(s, (uint32_t)s->tgt.pid);
	err = allocator__plan(&s->alloc, s->opts->at_entry, &s->plan);
	if (err)
		return cli__error("cannot read allocator functions in %s: %s", s->alloc_name,
				  strerror(-err));
	return 0;
}

static int add_unwind(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	return leak_loader__add_unwind(ctx, dev, ino, t);
}

/* A file looked at that got no rows: walks leave it by frame pointers, and no longer stop at
 * it as a file not looked at yet */
static void unwind_seen(void *ctx, uint32_t dev, uint64_t ino)
{
	leak_loader__unwind_seen(ctx, dev, ino);
}

/* The /proc directory of pid: the target's through target__proc_dir (its main thread may have
 * exited), another's (--all) by its number. 0 or -ESRCH. */
static int pid_dir(const struct leak_run *s, uint32_t pid, char *dir, size_t len)
{
	if (s->tgt.pid && pid == (uint32_t)s->tgt.pid)
		return target__proc_dir(&s->tgt, dir, len, NULL);
	snprintf(dir, len, "/proc/%u", pid);
	return 0;
}

/* After looking at files: name those whose rows did not fit, once each */
static void unwind_said(struct leak_run *s, size_t no_room, size_t loaded)
{
	for (size_t i = no_room; i < s->unwind.no_room; i++)
		fprintf(stderr,
			"perfan-bpf: no room for the unwind rows of %s: its callers are found by "
			"frame pointers only (raise --max-unwind-rows, now %" PRIu64 ")\n",
			s->unwind.no_room_paths[i], s->opts->max_unwind_rows);
	if (s->opts->verbose && s->unwind.loaded > loaded)
		fprintf(stderr, "perfan-bpf: unwind rows of %zu file(s), %zu rows\n",
			s->unwind.loaded, s->unwind.rows);
}

/* Look at the executable files pid maps that were not looked at before (each file once,
 * across processes) */
static void scan_pid(struct leak_run *s, uint32_t pid)
{
	char dir[PATH_MAX];

	if (pid == (uint32_t)getpid() || pid_dir(s, pid, dir, sizeof(dir)))
		return;
	unwind_set__scan(&s->unwind, dir, add_unwind, s->loader);
}

/* --all: whether pid's files were looked at; marks it so when not */
static bool scanned_before(struct leak_run *s, uint32_t pid)
{
	size_t lo = 0, hi = s->scanned_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->scanned[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->scanned_cnt && s->scanned[lo] == pid)
		return true;
	if (ARRAY_GROW(s->scanned, s->scanned_cap, s->scanned_cnt + 1, 256))
		return true; /* out of memory: its files stay as they are */
	memmove(&s->scanned[lo + 1], &s->scanned[lo], (s->scanned_cnt - lo) * sizeof(*s->scanned));
	s->scanned[lo] = pid;
	s->scanned_cnt++;
	return false;
}

/* --all: pid's files when it was not looked at yet. The rows lock is taken for each process
 * alone: a scan of every process takes seconds, and the code thread loads a new program's
 * rows in between. */
static int scan_one(void *ctx, uint32_t pid)
{
	struct leak_run *s = ctx;

	pthread_mutex_lock(&s->rows_lock);
	if (!scanned_before(s, pid))
		scan_pid(s, pid);
	pthread_mutex_unlock(&s->rows_lock);
	return 0;
}

/* Give the stack walk the .eh_frame rows of the traced processes' files built without frame
 * pointers: the target's (--all: the allocator's library, then every process met in the
 * sample, when first met). Files mapped later come through code events (on_code). */
static void load_unwind_rows(struct leak_run *s)
{
	size_t no_room, loaded;

	if (!s->opts->max_unwind_rows)
		return;
	pthread_mutex_lock(&s->rows_lock);
	no_room = s->unwind.no_room;
	loaded = s->unwind.loaded;
	if (s->tgt.pid) {
		scan_pid(s, (uint32_t)s->tgt.pid);
	} else {
		/* at attach: every process's files (the walks of those not looked at stop early) */
		bool first = !unwind_set__add_path(&s->unwind, s->alloc.mods[0].path, add_unwind,
						   s->loader) ||
			     !s->scanned_cnt;

		pthread_mutex_unlock(&s->rows_lock);
		if (first)
			proc_scan__pids("/proc", scan_one, s);
		for (size_t i = 0; i < s->sample.cnt; i++)
			scan_one(s, s->sample.stacks[i].pid);
		pthread_mutex_lock(&s->rows_lock);
	}
	unwind_said(s, no_room, loaded);
	pthread_mutex_unlock(&s->rows_lock);
}

/* Whether the process that DIR shows maps (dev, ino) executable */
static bool maps_code(const char *dir, uint32_t dev, uint64_t ino)
{
	char path[PATH_MAX + 8];
	struct proc_maps maps = {};
	bool found = false;

	snprintf(path, sizeof(path), "%s/maps", dir);
	if (proc_maps__read(path, &maps))
		return true; /* gone, or unreadable: nothing to wait for */
	for (size_t i = 0; i < maps.cnt && !found; i++)
		found = maps.maps[i].exec && maps.maps[i].inode == ino &&
			(maps.maps[i].dev_major << 20 | maps.maps[i].dev_minor) == dev;
	proc_maps__free(&maps);
	return found;
}

static bool reread_maps(void *ctx, uint32_t pid);

/* Files told mapped executable before the mapping was in place: once it is (or the wait is
 * over), their rows are loaded when they were not yet and the symbolizer reads the mappings.
 * True while some wait. */
static bool retry_waits(struct leak_run *s, double now)
{
	size_t kept = 0, no_room, loaded;
	char dir[PATH_MAX];

	pthread_mutex_lock(&s->rows_lock);
	no_room = s->unwind.no_room;
	loaded = s->unwind.loaded;
	pthread_mutex_unlock(&s->rows_lock);
	for (size_t i = 0; i < s->wait_cnt; i++) {
		struct code_wait *w = &s->waits[i];

		if (pid_dir(s, w->pid, dir, sizeof(dir)))
			continue; /* gone */
		if (!maps_code(dir, w->dev, w->ino) && now < w->until_s) {
			s->waits[kept++] = *w;
			continue;
		}
		if (s->opts->max_unwind_rows) {
			pthread_mutex_lock(&s->rows_lock);
			unwind_set__scan_file(&s->unwind, dir, w->dev, w->ino, add_unwind,
					      s->loader);
			pthread_mutex_unlock(&s->rows_lock);
		}
		reread_maps(s, w->pid);
	}
	s->wait_cnt = kept;
	pthread_mutex_lock(&s->rows_lock);
	unwind_said(s, no_room, loaded);
	pthread_mutex_unlock(&s->rows_lock);
	return kept > 0;
}

static struct traced_proc *proc_find(struct leak_run *s, uint32_t pid)
{
	for (size_t i = 0; i < s->proc_cnt; i++)
		if (s->procs[i].note.pid == pid)
			return &s->procs[i];
	return NULL;
}

/* Attach allocator a (0: the main one, 1 + i: extra[i]) for process p, unless it is. 0 or
 * -errno. */
static int proc_attach(struct leak_run *s, struct traced_proc *p, int a)
{
	const struct extra_alloc *x = a ? s->extra[a - 1] : NULL;
	struct allocator *own;
	int err = 0;

	if (p->attached & (1u << a))
		return 0;
	/* its files opened through its own root: the process that mapped them first (its parent)
	 * may be gone */
	own = malloc(sizeof(*own));
	if (!own)
		return -ENOMEM;
	*own = x ? x->alloc : s->alloc;
	for (int i = 0; i < own->mod_cnt && !err; i++) {
		char at[sizeof(own->mods[i].path)];

		if (snprintf(at, sizeof(at), "/proc/%u/root%s", p->note.pid, own->mods[i].module) >=
		    (int)sizeof(at))
			err = -ENAMETOOLONG;
		/* a process chroot'ed in our mount namespace has its files named from our
		 * root: the path the allocator was found by serves (allocator__find) */
		else if (!access(at, F_OK) || access(own->mods[i].path, F_OK))
			memcpy(own->mods[i].path, at, sizeof(at));
	}
	if (!err)
		err = leak_loader__attach_more(s->loader, own, x ? &x->plan : &s->plan,
					       (int)p->note.pid, &p->links[a]);
	free(own);
	if (!err)
		p->attached |= 1u << a;
	/* --all: a new probe on a file of ours puts the others' breakpoints back in our copy */
	if (!err && !s->tgt.pid)
		self_untrap__plan(&s->alloc, &s->plan);
	return err;
}

/* The index of the allocator whose first module is `module` (0: the main one, 1 + i: extra[i]),
 * -1 when none is */
static int alloc_index(const struct leak_run *s, const char *module)
{
	if (!strcmp(s->alloc.mods[0].module, module))
		return 0;
	for (int i = 0; i < s->extra_cnt; i++)
		if (!strcmp(s->extra[i]->alloc.mods[0].module, module))
			return 1 + i;
	return -1;
}

/* Whether the kernel counted allocations of pid's new image: a stack of pid that its last exec
 * did not find (leak_loader__old_image_stack) */
static bool new_image_seen(struct leak_run *s, uint32_t pid)
{
	if (leak_loader__read(s->loader, &s->sample))
		return false;
	for (size_t i = 0; i < s->sample.cnt; i++) {
		const struct stack_row *r = &s->sample.stacks[i];

		if (r->pid == pid && r->counts.alloc_objects &&
		    !leak_loader__old_image_stack(s->loader, pid, r->stack_id))
			return true;
	}
	return false;
}

/* After an exec (launch and --pid mode): the allocator the new image maps. The uprobes sit on
 * files, so a new image mapping a probed file is traced on; one that maps another allocator
 * (another libc, jemalloc...) gets that one attached. Looked for at each code event of the
 * process for EXEC_RESOLVE_S (the dynamic linker maps the libraries one after another: the
 * choice is final once the allocator library is in); last: the window is over. */
static void resolve_exec(struct leak_run *s, struct leak_exec_note *n, bool last)
{
	char dir[PATH_MAX], root[PATH_MAX + 16], exe[PATH_MAX], text[PATH_MAX * 2];
	struct traced_proc *p = proc_find(s, n->pid);
	struct proc_maps maps = {};
	struct extra_alloc *x;
	struct target other;
	struct allocator a;
	int err, k;
	bool fresh;

	if (!s->tgt.pid || n->untraced || !p)
		return;
	if (p != s->procs)
		target__init_pid(&other, (int)n->pid);
	if (target__maps(p == s->procs ? &s->tgt : &other, &maps, dir, sizeof(dir), exe,
			 sizeof(exe))) {
		/* gone before its allocator was looked at: its allocations reached the probed
		 * files all the same when it mapped one (a container's libc is its host's file
		 * under an overlay), else said, not silent */
		if (!n->allocator[0] && new_image_seen(s, n->pid)) {
			snprintf(n->allocator, sizeof(n->allocator), "%.*s",
				 (int)sizeof(n->allocator) - 1, s->alloc_name);
			if (++s->execs_warned <= EXEC_WARN_MAX)
				fprintf(stderr,
					"perfan-bpf: pid %u exec'd %s and exited before its mappings "
					"were read: its allocations through %s were traced, any "
					"through another allocator were not\n",
					n->pid, n->path, s->alloc_name);
			return;
		}
		if (!n->allocator[0]) {
			n->untraced = true;
			if (++s->execs_warned <= EXEC_WARN_MAX)
				fprintf(stderr,
					"perfan-bpf: warning: pid %u exec'd %s and exited before its "
					"allocator could be looked at: its allocations after the exec are "
					"not traced\n",
					n->pid, n->path);
		}
		return;
	}
	snprintf(root, sizeof(root), "%s/root", dir);
	err = allocator__find(&maps, root, exe, &a);
	proc_maps__free(&maps);
	if (err) {
		if (last && !n->allocator[0]) {
			n->untraced = true;
			if (++s->execs_warned <= EXEC_WARN_MAX)
				fprintf(stderr,
					"perfan-bpf: warning: pid %u exec'd %s, which maps no allocator "
					"perfan-bpf can probe: its allocations are not traced\n",
					n->pid, n->path);
		}
		return;
	}
	allocator__text(&a, text, sizeof(text));
	k = alloc_index(s, a.mods[0].module);
	if (k < 0) {
		x = s->extra_cnt < EXTRA_ALLOCS_MAX ? calloc(1, sizeof(*x)) : NULL;
		err = x ? 0 : s->extra_cnt < EXTRA_ALLOCS_MAX ? -ENOMEM : -E2BIG;
		if (!err) {
			x->alloc = a;
			err = allocator__plan(&x->alloc, s->opts->at_entry, &x->plan);
		}
		if (!err) {
			s->extra[s->extra_cnt++] = x;
			k = s->extra_cnt;
		} else {
			free(x);
		}
	}
	/* the uprobes sit on files: an image mapping a file probed for this process already is
	 * traced on through them */
	fresh = k >= 0 && !(p->attached & (1u << k));
	if (k >= 0)
		err = proc_attach(s, p, k);
	if (err) {
		n->untraced = true;
		if (++s->execs_warned <= EXEC_WARN_MAX)
			fprintf(stderr,
				"perfan-bpf: warning: pid %u exec'd %s, whose allocator %s cannot be "
				"probed (%s): its allocations are not traced\n",
				n->pid, n->path, text, strerror(-err));
		return;
	}
	p->alloc = k;
	if (!n->allocator[0] && a.cpython)
		say_pymalloc(s, n->pid);
	snprintf(n->allocator, sizeof(n->allocator), "%.*s", (int)sizeof(n->allocator) - 1, text);
	if (!fresh)
		return;
	/* the new image ran untraced until now: how long, so a short-lived one is not taken for
	 * whole */
	fprintf(stderr,
		"perfan-bpf: pid %u exec'd %s: tracing on through %s, attached %.1f ms after the "
		"exec (what it allocated before is not seen)\n",
		n->pid, n->path, text, (cli_bpf__now_s() - n->exec_s) * 1e3);
}

static size_t followed_alive(const struct leak_run *s);

/* Following forks: process pid, forked by ppid at fork_s (the kernel's time), gets its own
 * probes on the allocator its parent's image uses (a fork copies the address space). Until they
 * are in (a few milliseconds), what it allocates is not seen. */
static void follow_fork(struct leak_run *s, uint32_t pid, uint32_t ppid, const char *comm,
			double fork_s)
{
	struct traced_proc *p, *parent;
	double ms;
	int err;

	if (!s->proc_cnt || proc_find(s, pid))
		return;
	parent = proc_find(s, ppid);
	err = s->proc_cnt >= PROCS_TOTAL_MAX || 1 + followed_alive(s) >= PROCS_MAX ? -E2BIG
	      : ARRAY_GROW(s->procs, s->proc_cap, s->proc_cnt + 1, 16)		   ? -ENOMEM
										   : 0;
	if (!err) {
		parent = proc_find(s, ppid); /* the array may have moved */
		p = &s->procs[s->proc_cnt];
		*p = (struct traced_proc){ .note = { .pid = pid, .ppid = ppid },
					   .alloc = parent ? parent->alloc : 0 };
		snprintf(p->note.comm, sizeof(p->note.comm), "%s", comm); /* sanitized */
		err = proc_attach(s, p, p->alloc);
	}
	if (err == -ENOENT || err == -ESRCH) {
		/* it exited before its probes were in (its files are opened through it) */
		leak_loader__unfollow(s->loader, pid);
		s->forks_gone++;
		return;
	}
	if (err) {
		leak_loader__unfollow(s->loader, pid);
		if (!s->forks_refused++ && err == -E2BIG)
			fprintf(stderr,
				"perfan-bpf: warning: pid %u (forked by pid %u) is not followed: "
				"%d processes are traced at once already, or %d were in all: its "
				"allocations, and those of the next ones refused, are not traced\n",
				pid, ppid, PROCS_MAX, PROCS_TOTAL_MAX);
		else if (err != -E2BIG)
			fprintf(stderr,
				"perfan-bpf: warning: pid %u (forked by pid %u) is not followed: "
				"%s: its allocations are not traced\n",
				pid, ppid, strerror(-err));
		return;
	}
	s->proc_cnt++;
	ms = (cli_bpf__now_s() - fork_s) * 1e3;
	/* its mappings now, while it surely lives (its parent's, until it execs or maps more) */
	reread_maps(s, pid);
	p->attach_ms = ms;
	if (!s->forks_followed++ || ms < s->fork_ms_min)
		s->fork_ms_min = ms;
	if (ms > s->fork_ms_max)
		s->fork_ms_max = ms;
	if (s->forks_followed <= FORKS_SAID_MAX || s->opts->verbose)
		fprintf(stderr,
			"perfan-bpf: following pid %u (%s), forked by pid %u: attached %.1f ms "
			"after the fork (what it allocated before is not seen)\n",
			pid, p->note.comm, ppid, ms);
}

/* Following forks: the processes the kernel entered that no event told (their ring buffer was
 * full), and those gone without an event */
static void reconcile_follow(struct leak_run *s)
{
	uint32_t pids[64], ppids[64];
	uint64_t fork_ns[64];
	int n;

	if (!s->opts->follow_forks || !s->proc_cnt)
		return;
	n = leak_loader__followed(s->loader, pids, ppids, fork_ns, 64);
	/* in the order they forked: a parent before its children, whose name they take */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fork_ns[j - 1] > fork_ns[j]; j--) {
			uint32_t p = pids[j], pp = ppids[j];
			uint64_t ns = fork_ns[j];

			pids[j] = pids[j - 1], ppids[j] = ppids[j - 1], fork_ns[j] = fork_ns[j - 1];
			pids[j - 1] = p, ppids[j - 1] = pp, fork_ns[j - 1] = ns;
		}
	for (int i = 0; i < n; i++) {
		const struct traced_proc *parent = proc_find(s, ppids[i]);
		char comm[sizeof(parent->note.comm)] = "";

		if (proc_find(s, pids[i]))
			continue;
		/* a child has its parent's name until it execs; else its own, as it is now */
		if (parent)
			memcpy(comm, parent->note.comm, sizeof(comm));
		else if (!proc_scan__comm("/proc", pids[i], comm, sizeof(comm)))
			sanitize__str(comm);
		follow_fork(s, pids[i], ppids[i], comm, (double)fork_ns[i] / 1e9);
	}
	for (size_t i = 1; i < s->proc_cnt; i++) {
		struct traced_proc *p = &s->procs[i];

		if (!p->gone && kill((pid_t)p->note.pid, 0) && errno == ESRCH)
			p->gone = true;
		/* gone: its probes are detached in the background */
		for (int a = 0; p->gone && a <= s->extra_cnt; a++) {
			if (!p->links[a].cnt && !p->links[a].fd_cnt)
				continue;
			links__reap(&s->reaper, p->links[a].links, (size_t)p->links[a].cnt,
				    p->links[a].fds, (size_t)p->links[a].fd_cnt);
			p->links[a] = (struct probe_links){};
		}
	}
}

/* Following forks: processes followed that have not exited */
static size_t followed_alive(const struct leak_run *s)
{
	size_t n = 0;

	for (size_t i = 1; i < s->proc_cnt; i++)
		n += !s->procs[i].gone;
	return n;
}

#define EXEC_NOTES_MAX 256

/* Execs and code mapped by traced processes, as the kernel tells them: the new files' rows are
 * loaded and the mappings read now, not at the next tick, so that the first stacks after a
 * dlopen or an exec are walked whole and named */
static int fetch_stack(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max, bool *truncated);

/* When the kernel last saw pid exec (0: not since attach, or no code events) */
static uint64_t exec_ns(const struct leak_run *s, uint32_t pid)
{
	return s->ev_code ? leak_loader__exec_ns(s->loader, pid) : 0;
}

/* Whether pid's exec at k (exec_ns) is not handled here yet (EXEC_PENDING_S) */
static bool exec_pending(const struct leak_run *s, uint32_t pid, uint64_t k)
{
	if (!k || s->naming_final || cli_bpf__now_s() - (double)k / 1e9 > EXEC_PENDING_S)
		return false;
	for (size_t i = 0; i < s->execs_seen_cnt; i++)
		if (s->execs_seen[i].pid == pid)
			return s->execs_seen[i].ns < k;
	return true;
}

/* pid's exec at ts_ns is handled: remembered for EXEC_PENDING_S (the older are forgotten) */
static void exec_seen(struct leak_run *s, uint32_t pid, uint64_t ts_ns)
{
	double now = cli_bpf__now_s();
	size_t kept = 0;

	for (size_t i = 0; i < s->execs_seen_cnt; i++)
		if (s->execs_seen[i].pid != pid &&
		    now - (double)s->execs_seen[i].ns / 1e9 <= EXEC_PENDING_S)
			s->execs_seen[kept++] = s->execs_seen[i];
	s->execs_seen_cnt = kept;
	if (!ARRAY_GROW(s->execs_seen, s->execs_seen_cap, kept + 1, 16))
		s->execs_seen[s->execs_seen_cnt++] = (struct exec_seen){ pid, ts_ns };
}

/* maps_reread_fn: pid's mappings read again. When an exec of it is pending, they are read
 * aside for its image (taken in when the exec is handled: the process may be gone by then),
 * and false; when it exec'd while they were read, what was read may be the new image's:
 * forgotten, and false. */
static bool reread_maps(void *ctx, uint32_t pid)
{
	struct leak_run *s = ctx;
	uint64_t k = exec_ns(s, pid);

	if (exec_pending(s, pid, k)) {
		if (!symbolizer__refresh_next(s->sym, (int)pid, k) && exec_ns(s, pid) != k)
			symbolizer__take_next(s->sym, (int)pid, 0); /* of which image: not known */
		return false;
	}
	symbolizer__refresh(s->sym, (int)pid);
	if (exec_ns(s, pid) != k) {
		symbolizer__forget(s->sym, (int)pid);
		return false;
	}
	return true;
}

/* stack_hold_fn picking the stacks an exec found: the old image's */
static bool old_image_stack(void *ctx, uint32_t pid, uint64_t stack_id)
{
	const struct leak_run *s = ctx;

	return leak_loader__old_image_stack(s->loader, pid, stack_id);
}

/* pid exec'd: its old image's stacks are named before its new mappings are read (the
 * symbolizer still holds the old ones, read at attach or since), so that they keep their
 * names and are not taken for truncated. A fresh read of the maps, at most EXEC_NAMES_RATE
 * times a second (a process can exec in a loop); beyond, they are named at the next tick, by
 * addresses alone. */
static void name_before_exec(struct leak_run *s, uint32_t pid, double now)
{
	/* nothing held from before (a child forked and exec'd before it was read): naming them
	 * now would name them from nothing, and the new image's stacks, should they be in the
	 * sample already (the event read late), with them */
	if (!symbolizer__holds(s->sym, (int)pid) || !rate_limit__take(&s->exec_names, now) ||
	    leak_loader__read(s->loader, &s->sample))
		return;
	leak_model__symbolize_old_image(live_session__stacks(s->live), s->sym, &s->sample, pid,
					fetch_stack, old_image_stack, s);
}

/* The rows of the files new to pid, at once (e->ino: that file, through any mapping of it the
 * process has; else every file of pid not looked at yet) */
static void code_rows(struct leak_run *s, const struct leak_code_event *e)
{
	size_t no_room, loaded;
	char dir[PATH_MAX];

	if (!s->opts->max_unwind_rows || e->kind == LEAK_CODE_FORK || e->kind == LEAK_CODE_EXIT)
		return;
	pthread_mutex_lock(&s->rows_lock);
	no_room = s->unwind.no_room;
	loaded = s->unwind.loaded;
	/* the rows at once, through any mapping of the file (the dynamic linker maps a library
	 * read-only before it maps its code) */
	if (e->exec || !e->ino)
		scan_pid(s, e->pid);
	/* the program exec'd, from its file when the process is gone already (a short-lived
	 * command under --all): its next run is walked whole */
	if (e->exec && e->ino && !unwind_set__has(&s->unwind, e->dev, e->ino)) {
		int fd = safe_file__open_known(e->path, e->dev, e->ino);

		if (fd >= 0) {
			snprintf(dir, sizeof(dir), "/proc/self/fd/%d", fd);
			unwind_set__add_file(&s->unwind, dir, e->path, e->dev, e->ino, add_unwind,
					     s->loader);
			close(fd);
		}
	} else if (!pid_dir(s, e->pid, dir, sizeof(dir)))
		unwind_set__scan_file(&s->unwind, dir, e->dev, e->ino, add_unwind, s->loader);
	if (!s->tgt.pid)
		scanned_before(s, e->pid);
	unwind_said(s, no_room, loaded);
	pthread_mutex_unlock(&s->rows_lock);
}

static void on_code(void *ctx, const struct leak_code_event *e)
{
	struct leak_run *s = ctx;
	double now = cli_bpf__now_s();

	if (e->fd >= 0) {
		symbolizer__adopt(s->sym, e->dev, e->ino, e->fd);
		close(e->fd);
	}
	if (e->pid == (uint32_t)getpid())
		return;
	if (e->kind == LEAK_CODE_FORK) {
		follow_fork(s, e->pid, e->ppid, e->comm, e->ts_ns / 1e9);
		return;
	}
	if (e->kind == LEAK_CODE_EXIT) {
		struct traced_proc *p = proc_find(s, e->pid);

		if (p)
			p->gone = true;
		return;
	}
	if (e->exec && s->exec_cnt < EXEC_NOTES_MAX &&
	    !ARRAY_GROW(s->execs, s->exec_cap, s->exec_cnt + 1, 16)) {
		struct leak_exec_note *x = &s->execs[s->exec_cnt++];

		*x = (struct leak_exec_note){ .pid = e->pid,
					      .at_s = now - s->view.start_s,
					      .resolve_until_s = now + EXEC_RESOLVE_S,
					      .exec_s = e->ts_ns / 1e9 };
		snprintf(x->comm, sizeof(x->comm), "%s", e->comm);
		snprintf(x->path, sizeof(x->path), "%s", e->path);
	}
	if (e->exec) {
		struct traced_proc *p = proc_find(s, e->pid);

		if (p)
			snprintf(p->note.comm, sizeof(p->note.comm), "%s", e->comm);
		name_before_exec(s, e->pid, now);
		/* the old image is gone, its stacks named. The new one's mappings: read while
		 * its exec was pending, else told below on top of what is held (the early thread
		 * may have told its files already) and read unless a later exec is pending */
		symbolizer__take_next(s->sym, (int)e->pid, e->ts_ns);
		exec_seen(s, e->pid, e->ts_ns);
		if (s->rewalk)
			early_rewalk__exec(s->rewalk, e->pid, e->ts_ns);
	}
	code_rows(s, e); /* the code thread's did it: the files looked at are not looked at twice */
	/* where the code goes, from the kernel, for a process that exits before its mappings
	 * are read (a file some process has open already: libc, most often) */
	if (!e->exec && e->ino && e->addr && e->len)
		symbolizer__add_code(s->sym, (int)e->pid, e->addr, e->addr + e->len, e->off, e->dev,
				     e->ino);
	/* the program exec'd, for one that exits before its mappings are read (a file some
	 * process has open already: a command run again under --all) */
	if (e->exec && e->ino && e->addr && e->len)
		symbolizer__add_exe(s->sym, (int)e->pid, e->path, e->addr, e->addr + e->len, e->dev,
				    e->ino);
	if (e->exec && e->interp_ino && e->interp_base)
		symbolizer__add_loaded(s->sym, (int)e->pid, e->interp_base, e->interp_dev,
				       e->interp_ino);
	/* the symbolizer once the code is mapped: an mmap is told before it is done */
	if (!e->exec && e->ino && !ARRAY_GROW(s->waits, s->wait_cap, s->wait_cnt + 1, 8))
		s->waits[s->wait_cnt++] = (struct code_wait){
			.pid = e->pid,
			.dev = e->dev,
			.ino = e->ino,
			.until_s = now + CODE_RETRY_S,
		};
	else
		reread_maps(s, e->pid);
	for (size_t i = 0; i < s->exec_cnt; i++)
		if (s->execs[i].pid == e->pid && now < s->execs[i].resolve_until_s)
			resolve_exec(s, &s->execs[i], false);
}

/* The execs whose allocator is still looked for: once more at each tick, and for the last time
 * when their window is over */
static void resolve_execs(struct leak_run *s, double now)
{
	for (size_t i = 0; i < s->exec_cnt; i++) {
		struct leak_exec_note *n = &s->execs[i];

		if (!n->resolve_until_s)
			continue;
		resolve_exec(s, n, now >= n->resolve_until_s);
		if (now >= n->resolve_until_s)
			n->resolve_until_s = 0;
	}
}

/* Whether the code thread opened (dev, ino) for the symbolizer already; marks it so when not
 * (the code thread's alone) */
static bool opened_before(struct leak_run *s, uint32_t dev, uint64_t ino)
{
	bool seen = false;

	pthread_mutex_lock(&s->opened_lock);
	for (size_t i = 0; !seen && i < s->opened_cnt; i++)
		seen = s->opened[i].dev == dev && s->opened[i].ino == ino;
	if (!seen && ARRAY_GROW(s->opened, s->opened_cap, s->opened_cnt + 1, 64))
		seen = true; /* out of memory: as if it were */
	else if (!seen) {
		s->opened[s->opened_cnt].dev = dev;
		s->opened[s->opened_cnt++].ino = ino;
	}
	pthread_mutex_unlock(&s->opened_lock);
	return seen;
}

/* A descriptor of the file (dev, ino) pid has mapped, for the symbolizer and its rows, the first
 * time the code thread meets it (a process may be gone before the main thread reads its
 * mappings): through the process while it lives, else by its name (a library) among the
 * system's; -1 when met before or not found */
static int open_mapped(struct leak_run *s, uint32_t pid, uint32_t dev, uint64_t ino,
		       const char *name)
{
	char path[PATH_MAX + 64];
	struct proc_maps maps = {};
	const struct proc_map *m;
	int fd = -1;

	if (opened_before(s, dev, ino))
		return -1;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	if (proc_maps__read(path, &maps))
		return safe_file__open_named(name, dev, ino);
	m = proc_maps__find_file(&maps, dev, ino);
	if (m) {
		snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid,
			 m->start, m->end);
		fd = safe_file__open_known(path, dev, ino);
	}
	proc_maps__free(&maps);
	return fd >= 0 ? fd : safe_file__open_named(name, dev, ino);
}

/* An exec: the program's file through the process, while it lives (a path given to execve is
 * relative to the process's root and working directory, a container's) */
static int open_exe(struct leak_run *s, uint32_t pid, uint32_t dev, uint64_t ino)
{
	char path[64];

	if (opened_before(s, dev, ino))
		return -1;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	return safe_file__open_known(path, dev, ino);
}

static void queue_code(struct leak_run *s, const struct leak_code_event *q);

/* By pid, the dynamic linker's list changed (an exec's libraries mapped, a dlopen): each
 * executable file mapping of maps (the process's) new to the session is opened through the
 * process while it lives, and handed to the main thread as an mmap of it (the symbolizer then
 * names a process that exits before its mappings are read, a short command): into out, at
 * most max, how many (the rest queued at once) */
static size_t open_linked_in(struct leak_run *s, const struct leak_code_event *e,
			     const struct proc_maps *maps, struct leak_code_event *out, size_t max)
{
	size_t n = 0;
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < maps->cnt; i++) {
		const struct proc_map *m = &maps->maps[i];
		uint32_t dev = m->dev_major << 20 | m->dev_minor;
		struct leak_code_event q;

		if (!m->exec || !m->inode || m->path[0] != '/' || opened_before(s, dev, m->inode))
			continue;
		snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, e->pid,
			 m->start, m->end);
		q = (struct leak_code_event){ .pid = e->pid,
					      .kind = LEAK_CODE_MMAP,
					      .ts_ns = e->ts_ns,
					      .dev = dev,
					      .ino = m->inode,
					      .addr = m->start,
					      .len = m->end - m->start,
					      .off = m->offset,
					      .fd = safe_file__open_known(path, dev, m->inode) };
		if (q.fd >= 0 && n < max)
			out[n++] = q;
		else if (q.fd >= 0)
			queue_code(s, &q);
	}
	return n;
}

/* open_linked_in with the mappings e->pid has now */
static size_t open_linked(struct leak_run *s, const struct leak_code_event *e,
			  struct leak_code_event *out, size_t max)
{
	char path[64];
	struct proc_maps maps = {};
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/maps", e->pid);
	if (proc_maps__read(path, &maps))
		return 0;
	n = open_linked_in(s, e, &maps, out, max);
	proc_maps__free(&maps);
	return n;
}

/* The rows of the file e's descriptor holds, when the process was gone before they were read
 * through it */
static void rows_from_fd(struct leak_run *s, const struct leak_code_event *e)
{
	char at[64];

	if (e->fd < 0 || !e->ino || !s->opts->max_unwind_rows)
		return;
	snprintf(at, sizeof(at), "/proc/self/fd/%d", e->fd);
	pthread_mutex_lock(&s->rows_lock);
	if (!unwind_set__has(&s->unwind, e->dev, e->ino))
		unwind_set__add_file(&s->unwind, at, at, e->dev, e->ino, add_unwind, s->loader);
	pthread_mutex_unlock(&s->rows_lock);
}

/* In the code thread, for each code event: the new files' rows at once, the rest of its
 * handling queued for the main thread */
static void on_code_thread(void *ctx, const struct leak_code_event *e)
{
	struct leak_run *s = ctx;
	struct leak_code_event q = *e, linked[LINKED_MAX];
	size_t nlinked = 0;

	if (e->pid == (uint32_t)getpid())
		return;
	/* first, while the process lives: a short-lived one may be gone in a millisecond (then
	 * the file's rows come from this descriptor, below, and its early walks are walked
	 * again with them) */
	if (e->kind == LEAK_CODE_MMAP && e->ino)
		q.fd = open_mapped(s, e->pid, e->dev, e->ino, e->path);
	else if (e->kind == LEAK_CODE_EXEC && e->ino)
		q.fd = open_exe(s, e->pid, e->dev, e->ino);
	else if (s->tgt.pid && e->kind == LEAK_CODE_MMAP && !e->ino)
		nlinked = open_linked(s, e, linked, LINKED_MAX);
	if (s->rows_delay_ms && e->kind == LEAK_CODE_MMAP)
		usleep((useconds_t)s->rows_delay_ms * 1000);
	code_rows(s, e);
	rows_from_fd(s, &q);
	for (size_t i = 0; i < nlinked; i++) {
		rows_from_fd(s, &linked[i]);
		queue_code(s, &linked[i]);
	}
	queue_code(s, &q);
}

/* Queue a code event for the main thread (its descriptor is the queue's), and wake it */
static void queue_code(struct leak_run *s, const struct leak_code_event *q)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->queue_lock);
	if (!ARRAY_GROW(s->queued, s->queued_cap, s->queued_cnt + 1, 16))
		s->queued[s->queued_cnt++] = *q;
	else if (q->fd >= 0)
		close(q->fd);
	pthread_mutex_unlock(&s->queue_lock);
	if (write(s->code_wake, &one, sizeof(one)) < 0)
		return; /* the counter is full: the main thread is woken already */
}

static void *code_thread_main(void *arg)
{
	struct leak_run *s = arg;
	struct epoll_event ev[2];
	uint64_t req, n;

	while (!__atomic_load_n(&s->code_stop, __ATOMIC_ACQUIRE)) {
		epoll_wait(s->code_ep, ev, 2, CODE_POLL_MS);
		if (read(s->code_flush, &n, sizeof(n)) < 0 && errno != EAGAIN)
			continue;
		/* a flush asked before this read of the ring buffer is answered by it */
		pthread_mutex_lock(&s->queue_lock);
		req = s->flush_req;
		pthread_mutex_unlock(&s->queue_lock);
		leak_loader__consume_code(s->loader);
		pthread_mutex_lock(&s->queue_lock);
		if (req > s->flush_done) {
			s->flush_done = req;
			pthread_cond_broadcast(&s->flush_cond);
		}
		pthread_mutex_unlock(&s->queue_lock);
	}
	return NULL;
}

/* Wait (CODE_FLUSH_MS at most) until the code thread has queued every event the kernel had
 * sent: those of the processes whose stacks are about to be named */
static void flush_code(struct leak_run *s)
{
	struct timespec until;
	uint64_t one = 1, gen;

	pthread_mutex_lock(&s->queue_lock);
	gen = ++s->flush_req;
	pthread_mutex_unlock(&s->queue_lock);
	if (write(s->code_flush, &one, sizeof(one)) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += CODE_FLUSH_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&s->queue_lock);
	while (s->flush_done < gen)
		if (pthread_cond_timedwait(&s->flush_cond, &s->queue_lock, &until))
			break;
	pthread_mutex_unlock(&s->queue_lock);
}

/* The main thread's part of the code events the code thread read */
static void drain_code(struct leak_run *s)
{
	struct leak_code_event *q;
	size_t cnt;
	uint64_t n;

	if (read(s->code_wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->queue_lock);
	q = s->queued;
	cnt = s->queued_cnt;
	s->queued = NULL;
	s->queued_cnt = s->queued_cap = 0;
	pthread_mutex_unlock(&s->queue_lock);
	for (size_t i = 0; i < cnt; i++)
		on_code(s, &q[i]);
	free(q);
}

/* Before the stacks of a tick are named: every code event sent by then, handled (the code
 * thread flushed; once it is stopped, at the end, the ring buffer read here into its queue) */
static void take_code(struct leak_run *s)
{
	if (s->code_thread_on)
		flush_code(s);
	else
		leak_loader__consume_code(s->loader);
	drain_code(s);
}

/* Listen to the kernel's code events, in a thread of their own */
static void listen_code(struct leak_run *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	const char *delay = getenv("PERFAN_TEST_ROWS_DELAY_MS");
	int fd, err = 0, delay_ms = delay ? atoi(delay) : 0;

	s->rows_delay_ms = delay_ms < 0 ? 0 : delay_ms > 1000 ? 1000 : delay_ms;
	fd = leak_loader__code_fd(s->loader, on_code_thread, s);
	if (fd < 0)
		err = -fd;
	else if ((s->code_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
		 (s->code_flush = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
		 (s->code_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
		 epoll_ctl(s->code_ep, EPOLL_CTL_ADD, fd, &ev) ||
		 epoll_ctl(s->code_ep, EPOLL_CTL_ADD, s->code_flush, &ev))
		err = errno;
	else if (!(s->ev_code = event_loop__add_fd(&s->loop, s->code_wake)))
		err = ENOSPC;
	else if (!(err = pthread_create(&s->code_thread, NULL, code_thread_main, s)))
		s->code_thread_on = true;
	if (!s->code_thread_on) {
		s->ev_code = 0;
		fprintf(stderr,
			"perfan-bpf: warning: execs and libraries loaded later are seen at "
			"the next tick only (%s)\n",
			strerror(err));
	}
}

/* The early walks' thread: takes them as they come (the main thread walks them at its ticks) */
static void *early_thread_main(void *arg)
{
	struct leak_run *s = arg;
	struct epoll_event ev[2];

	while (!__atomic_load_n(&s->code_stop, __ATOMIC_ACQUIRE))
		if (epoll_wait(s->early_ep, ev, 2, CODE_POLL_MS) > 0)
			leak_loader__consume_early(s->loader);
	return NULL;
}

/* Wake the thread polling the eventfd fd */
static void wake_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: it is woken already */
}

/* Stop the code thread and the early walks' one (what is left in their ring buffers is read
 * by the main thread from then on) */
static void stop_code_thread(struct leak_run *s)
{
	__atomic_store_n(&s->code_stop, 1, __ATOMIC_RELEASE);
	/* woken now, not at their next poll's timeout: a short command's session ends 50 ms
	 * sooner */
	wake_fd(s->code_flush);
	wake_fd(s->early_stop);
	if (s->code_thread_on)
		pthread_join(s->code_thread, NULL);
	if (s->early_thread_on)
		pthread_join(s->early_thread, NULL);
	s->code_thread_on = false;
	s->early_thread_on = false;
}

/* stack_fetch_fn that also keeps the ids of stacks walked before a file of theirs was looked
 * at (the provisional stacks early_stacks folds) */
static int fetch_stack(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max, bool *truncated)
{
	struct leak_run *s = ctx;
	int n = leak_loader__fetch_stack(s->loader, stack_id, ips, max, truncated);
	uint32_t flags = 0;
	size_t at = s->unseen_cnt;

	if (n < 0 && s->rewalk && (n = early_rewalk__fetch(s->rewalk, stack_id, ips, max)) >= 0) {
		*truncated = false; /* a stack found by walking early allocations again */
		return n;
	}
	if (n < 0 || leak_loader__fetch_stack_flags(s->loader, stack_id, &flags) ||
	    !(flags & LEAK_STACK_UNSEEN_FLAG))
		return n;
	while (at && s->unseen[at - 1] > stack_id)
		at--;
	if ((at && s->unseen[at - 1] == stack_id) ||
	    ARRAY_GROW(s->unseen, s->unseen_cap, s->unseen_cnt + 1, 64))
		return n;
	memmove(&s->unseen[at + 1], &s->unseen[at], (s->unseen_cnt - at) * sizeof(*s->unseen));
	s->unseen[at] = stack_id;
	s->unseen_cnt++;
	return n;
}

/* Whether pid's mappings can still be read: it lives (an exited process not yet reaped, the
 * launched one, shows none) */
static bool maps_readable(const struct leak_run *s, uint32_t pid)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], c;
	ssize_t n = 0;
	int fd;

	if (pid_dir(s, pid, dir, sizeof(dir)))
		return false;
	snprintf(path, sizeof(path), "%s/maps", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, &c, 1);
		close(fd);
	}
	return n == 1;
}

/* stack_hold_fn: hold a stack of a process gone (its mappings cannot be read any more) for
 * STACK_HOLD_S from when it was first met */
static bool hold_stack(void *ctx, uint32_t pid, uint64_t stack_id)
{
	struct leak_run *s = ctx;
	double now = cli_bpf__now_s();

	if (s->naming_final || maps_readable(s, pid))
		return false;
	for (size_t i = 0; i < s->held_cnt; i++)
		if (s->held[i].pid == pid && s->held[i].stack_id == stack_id)
			return now - s->held[i].since_s < STACK_HOLD_S;
	if (s->held_cnt >= STACKS_HELD_MAX || ARRAY_GROW(s->held, s->held_cap, s->held_cnt + 1, 64))
		return false;
	s->held[s->held_cnt++] = (struct held_stack){ pid, stack_id, now };
	return true;
}

/* Forget the held stacks named since (a second after their hold is over) */
static void prune_held(struct leak_run *s, double now)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->held_cnt; i++)
		if (now - s->held[i].since_s < STACK_HOLD_S + 1.0)
			s->held[kept++] = s->held[i];
	s->held_cnt = kept;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t stack_unseen(void *ctx, uint32_t pid, uint64_t stack_id)
{
	const struct leak_run *s = ctx;
	uint32_t flags;

	(void)pid;
	if (!bsearch(&stack_id, s->unseen, s->unseen_cnt, sizeof(stack_id), cmp_u64) ||
	    leak_loader__fetch_stack_flags(s->loader, stack_id, &flags))
		return 0;
	/* the frames walked before the file not looked at yet; at least the first */
	return flags >> LEAK_STACK_UNSEEN_DEPTH_SHIFT ?: 1;
}

/* early_fn (the early walks' thread): an allocation walked before its rows, to walk again.
 * The first of a burst also reads its process's mappings and its new files' rows, at once,
 * while it lives: the code thread may be behind (reading a big library's rows), and a
 * short-lived process gone before it is done would leave its early walks unwalkable. */
static void on_early(void *ctx, const struct early_walk *e, size_t len)
{
	struct leak_run *s = ctx;
	double now = cli_bpf__now_s();
	struct proc_maps maps = {};
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct leak_code_event linked[LINKED_MAX];
	size_t nlinked;

	early_rewalk__add(s->rewalk, e, len, now);
	if (early_rewalk__maps_fresh(s->rewalk, e->tgid, now, EARLY_MAPS_S) ||
	    pid_dir(s, e->tgid, dir, sizeof(dir)))
		return;
	snprintf(path, sizeof(path), "%s/maps", dir);
	if (proc_maps__read(path, &maps))
		maps = (struct proc_maps){};
	/* its files not opened yet, for the symbolizer to name them should it exit first */
	nlinked = open_linked_in(s, &(struct leak_code_event){ .pid = e->tgid, .ts_ns = e->ts_ns },
				 &maps, linked, LINKED_MAX);
	early_rewalk__maps_seen(s->rewalk, e->tgid, &maps, now);
	proc_maps__free(&maps);
	/* not while the code thread loads rows: it is not behind then, and this thread must
	 * not stop taking early walks, which come by the thousand at a program's start */
	if (s->opts->max_unwind_rows && !pthread_mutex_trylock(&s->rows_lock)) {
		scan_pid(s, e->tgid);
		pthread_mutex_unlock(&s->rows_lock);
		for (size_t i = 0; i < nlinked; i++) /* the files of a process gone meanwhile */
			rows_from_fd(s, &linked[i]);
	}
	for (size_t i = 0; i < nlinked; i++)
		queue_code(s, &linked[i]);
}

/* early_maps_fn: the mappings the symbolizer holds, read again while the process lives */
static const struct proc_maps *early_maps(void *ctx, uint32_t tgid)
{
	struct leak_run *s = ctx;

	reread_maps(s, tgid);
	return symbolizer__maps(s->sym, (int)tgid);
}

/* early_live_fn */
static bool early_live(void *ctx, uint32_t tgid, uint64_t addr, uint64_t ts_ns, uint64_t stack_id,
		       uint64_t *usable)
{
	struct leak_run *s = ctx;

	return leak_loader__block_live(s->loader, tgid, addr, ts_ns, stack_id, usable);
}

static int load_and_attach(struct leak_run *s)
{
	int pid = s->tgt.pid;
	char dir[PATH_MAX], text[PATH_MAX * 2];
	struct leak_loader_opts lo = {
		.pid = pid,
		.max_allocs = (uint32_t)s->opts->max_allocs,
		.max_stacks = (uint32_t)s->opts->max_stacks,
		.max_unwind_rows = (uint32_t)s->opts->max_unwind_rows,
		.follow_forks = s->opts->follow_forks,
	};
	int err;

	if (pid)
		target__proc_dir(&s->tgt, dir, sizeof(dir), &lo.attach_tid);
	err = leak_loader__new(&lo, &s->loader);
	if (err)
		return cli__error("cannot load the BPF programs: %s (try --verbose)",
				  strerror(-err));
	s->unwind.seen_fn = unwind_seen;
	s->unwind.seen_ctx = s->loader;
	/* the rows before the probes: the first stacks are walked as well as the later ones */
	load_unwind_rows(s);
	err = leak_loader__attach(s->loader, &s->alloc, &s->plan);
	if (err)
		return cli__error("cannot attach uprobes to %s: %s (try --verbose)", s->alloc_name,
				  strerror(-err));
	if (!pid) {
		/* every process's probes are ours too: take them out of our own copy */
		int n = self_untrap__plan(&s->alloc, &s->plan);

		if (n < 0)
			fprintf(stderr,
				"perfan-bpf: warning: perfan-bpf's own allocations trap too, which "
				"slows its reading of new programs (cannot write /proc/self/mem: "
				"%s)\n",
				strerror(-n));
		else if (s->opts->verbose)
			fprintf(stderr, "perfan-bpf: %d probe(s) taken out of our own copy\n", n);
	}
	if (pid) {
		/* the target: its main allocator's links are the loader's */
		if (ARRAY_GROW(s->procs, s->proc_cap, 1, 16))
			return cli__error("cannot set up the session: %s", strerror(ENOMEM));
		s->procs[0] =
			(struct traced_proc){ .note = { .pid = (uint32_t)pid }, .attached = 1 };
		s->proc_cnt = 1;
		/* its name for the reports, should it be gone by then (launched: its exec's) */
		if (!proc_scan__comm("/proc", (uint32_t)pid, s->procs[0].note.comm,
				     sizeof(s->procs[0].note.comm)))
			sanitize__str(s->procs[0].note.comm);
		attach_usdt_marks(s);
	}
	listen_code(s);
	if (s->rewalk) {
		int fd = leak_loader__early_fd(s->loader, on_early, s);
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0)
			return cli__error("cannot listen to early walks: %s", strerror(-fd));
		if ((s->early_stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
		    (s->early_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
		    epoll_ctl(s->early_ep, EPOLL_CTL_ADD, fd, &ev) ||
		    epoll_ctl(s->early_ep, EPOLL_CTL_ADD, s->early_stop, &ev))
			return cli__error("cannot listen to early walks: %s", strerror(errno));
		if (!pthread_create(&s->early_thread, NULL, early_thread_main, s))
			s->early_thread_on = true;
	}
	s->view.start_s = cli_bpf__now_s();
	if (pid && s->opts->command) {
		s->view.anon_base_known = true; /* it has not exec'd yet: from nothing */
	} else if (pid) {
		uint64_t rss;

		s->view.anon_base_known =
			!proc_scan__mem("/proc", (uint32_t)pid, &rss, &s->view.anon_base);
	}
	rate_limit__init(&s->mark_rate, (double)s->opts->max_mark_rate, s->view.start_s);
	rate_limit__init(&s->exec_names, EXEC_NAMES_RATE, s->view.start_s);
	/* Read the mappings and open the modules now, while the target surely lives: one that
	 * exits before the first tick still gets a named report. */
	if (pid)
		symbolizer__refresh(s->sym, pid);
	/* one line an operator (and a test) can wait for: from here on nothing is missed */
	snprintf(dir, sizeof(dir), pid ? "pid %d through" : "every process using", pid);
	fprintf(stderr, "perfan-bpf: tracing %s %s; Ctrl-C for the report\n", dir,
		allocator__text(&s->alloc, text, sizeof(text)));
	for (int i = 0; s->opts->verbose && i < s->plan.cnt; i++)
		fprintf(stderr, "perfan-bpf: %s\n",
			probe_site__text(&s->plan, i, &s->alloc, text, sizeof(text)));
	return 0;
}

static int start_target(struct leak_run *s)
{
	struct leak_opts *o = s->opts;
	int err;

	if (!o->command) {
		target__init_pid(&s->tgt, o->all ? 0 : o->pid);
		if (s->tgt.pid)
			event_loop__watch(&s->loop, s->tgt.pid);
		cli_bpf__raise_priority();
		return find_allocator(s) ?: open_session(s) ?: load_and_attach(s);
	}
	err = target__launch(&s->tgt, o->command, command_env(s));
	if (err)
		return cli__error("cannot run '%s': %s", o->command[0], strerror(-err));
	cli_bpf__raise_priority(); /* after the fork: the command keeps its own */
	s->loop.child = s->tgt.child;
	event_loop__watch(&s->loop, s->tgt.pid);
	err = find_allocator(s) ?: open_session(s) ?: load_and_attach(s);
	if (err) {
		target__abort(&s->tgt);
		s->loop.child = 0;
		return err;
	}
	err = target__release(&s->tgt);
	if (err)
		return cli__error("cannot release '%s' after attaching: %s", o->command[0],
				  strerror(-err));
	return 0;
}

/* Read the maps and name the stacks not seen before */
static int refresh(struct leak_run *s)
{
	struct stacktab *tab = live_session__stacks(s->live);
	size_t fresh = 0;
	int err;

	/* the early walks kept before the read: what they move is in the counts read (the code
	 * thread takes them as they come; without it, or once it stopped, they are read here) */
	if (s->rewalk) {
		if (!s->early_thread_on)
			leak_loader__consume_early(s->loader);
		early_rewalk__cut(s->rewalk);
	}
	err = leak_loader__read(s->loader, &s->sample);
	if (err)
		return err;
	if (s->tgt.pid) {
		uint64_t rss, anon;

		if (!proc_scan__mem("/proc", (uint32_t)s->tgt.pid, &rss, &anon)) {
			s->view.anon_last = anon;
			s->view.anon_last_known = true;
		}
	}
	/* the session's own losses beside the kernel's */
	s->sample.lost[REPORT_LOST_MARKS_DROPPED] =
		s->mark_rate.refused + s->marks_dropped + leak_loader__marks_lost(s->loader);
	s->sample.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = live_session__dropped(s->live);
	/* code told by the kernel first: execs and libraries mapped since the last tick */
	if (s->ev_code)
		take_code(s);
	retry_waits(s, cli_bpf__now_s());
	resolve_execs(s, cli_bpf__now_s());
	reconcile_follow(s);
	/* what the code events missed (their ring buffer was full), and --all's new processes */
	load_unwind_rows(s);
	/* the allocations walked before their rows, walked again now that the rows are in */
	if (s->rewalk) {
		struct rewalk_rows rows = stack_rewalk__rows(leak_loader__rows(s->loader));

		pthread_mutex_lock(&s->rows_lock);
		early_rewalk__walk(s->rewalk, &rows, early_maps, s, cli_bpf__now_s(),
				   s->naming_final ? 0 : EARLY_WAIT_S);
		pthread_mutex_unlock(&s->rows_lock);
		if ((err = early_rewalk__apply(s->rewalk, &s->sample, early_live, s)))
			return err;
	}
	/* a long step says so on a terminal: many new stacks take a while to name */
	for (size_t i = 0; s->stderr_tty && i < s->sample.cnt; i++)
		fresh += !stacktab__get(tab, s->sample.stacks[i].pid, s->sample.stacks[i].stack_id);
	if (fresh >= PROGRESS_STACKS)
		fprintf(stderr, "perfan-bpf: symbolizing %zu new stacks...\r", fresh);
	prune_held(s, cli_bpf__now_s());
	err = leak_model__symbolize_held(tab, s->sym, &s->sample, fetch_stack, hold_stack,
					 reread_maps, s);
	if (fresh >= PROGRESS_STACKS)
		fputs("\033[K", stderr); /* erase the progress line */
	if (err < 0)
		return err;
	/* one call site, one stack: those walked before their rows were in join their whole one */
	return s->unseen_cnt ? early_stacks__fold(&s->sample, tab, stack_unseen, s, &s->fold) : 0;
}

/* Read the maps, name new stacks, and store a snapshot labelled label. -EFBIG: not stored,
 * the session file is full (counted as dropped). */
static int take_snapshot(struct leak_run *s, const char *label, bool final, unsigned *seq)
{
	double t0 = cli_bpf__now_s();
	int err;

	s->naming_final = final;
	err = refresh(s);

	if (err)
		return err;
	err = live_session__snapshot(s->live, &s->sample, label, cli_bpf__now_s() - s->view.start_s,
				     final, seq);
	if (err)
		return err;
	/* tools/bench/snapshot.sh reads the time from this line */
	if (s->opts->verbose)
		fprintf(stderr, "perfan-bpf: snapshot %u '%s' stored (%zu stacks) in %.3f ms\n",
			*seq, label, s->sample.cnt, (cli_bpf__now_s() - t0) * 1e3);
	return 0;
}

/* Serve every `perfan-bpf mark` waiting on the control socket */
static int serve_marks(struct leak_run *s)
{
	char label[CONTROL_LABEL_MAX + 1];
	unsigned seq;
	int fd, err;

	while ((fd = control__accept(s->ctlfd, label, sizeof(label))) != -EAGAIN) {
		if (fd < 0) {
			if (fd == -EINVAL)
				continue; /* a bad request, already answered */
			return 0;
		}
		err = take_snapshot(s, label, false, &seq);
		control__reply(fd, err, seq,
			       err == -EFBIG ? "not stored: the session file has reached "
					       "--max-session-size"
			       : err	     ? strerror(-err)
					     : NULL);
		if (err && err != -EFBIG)
			return err;
	}
	return 0;
}

static int handle_events(struct leak_run *s, int ev, double *next_snap)
{
	char label[64];
	unsigned seq;
	int err = 0;

	if (s->ev_marks && (ev & s->ev_marks)) {
		leak_loader__consume_marks(s->loader);
		for (unsigned i = 0; i < s->mark_cnt && (!err || err == -EFBIG); i++)
			err = take_snapshot(s, s->marks[i], false, &seq);
		s->mark_cnt = 0;
	}
	if ((!err || err == -EFBIG) && s->ev_ctl && (ev & s->ev_ctl))
		err = serve_marks(s);
	if ((!err || err == -EFBIG) && (ev & EV_USR1)) {
		snprintf(label, sizeof(label), "sigusr1-%u", ++s->usr1_count);
		err = take_snapshot(s, label, false, &seq);
	}
	if ((!err || err == -EFBIG) && s->opts->snapshot_every_s &&
	    cli_bpf__now_s() >= *next_snap) {
		snprintf(label, sizeof(label), "t+%g", *next_snap - s->view.start_s);
		err = take_snapshot(s, label, false, &seq);
		*next_snap += s->opts->snapshot_every_s;
	}
	return err == -EFBIG ? 0 : err; /* a full session file: counted, the session goes on */
}

/* The session's end on stderr: the processes followed, and how late their probes came */
static void say_follow(struct leak_run *s)
{
	uint64_t lost = leak_loader__forks_unfollowed(s->loader);

	if (s->forks_followed)
		fprintf(stderr,
			"perfan-bpf: followed %" PRIu64 " forked process%s, each attached "
			"%.1f-%.1f ms after its fork (what it allocated before is not seen)\n",
			s->forks_followed, s->forks_followed == 1 ? "" : "es", s->fork_ms_min,
			s->fork_ms_max);
	if (s->forks_gone)
		fprintf(stderr,
			"perfan-bpf: %" PRIu64 " forked process(es) exited before their probes "
			"were in: what they allocated is not traced\n",
			s->forks_gone);
	if (s->execs_warned > EXEC_WARN_MAX)
		fprintf(stderr,
			"perfan-bpf: %u execs in all were not traced (the first %d said above; "
			"the report lists them)\n",
			s->execs_warned, EXEC_WARN_MAX);
	if (s->forks_refused || lost)
		fprintf(stderr,
			"perfan-bpf: %" PRIu64 " forked process(es) were not followed: their "
			"allocations are not traced\n",
			s->forks_refused + lost);
}

/* The target and the processes followed so far (pid, parent, name), for the reports'
 * per-process lines.
 * 0 or -ENOMEM. */
static int note_followed(struct leak_run *s)
{
	struct leak_proc_note *n;

	if (!s->proc_cnt)
		return 0;
	n = realloc(s->notes, s->proc_cnt * sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->proc_cnt; i++)
		n[i] = s->procs[i].note;
	s->notes = n;
	s->view.followed = n;
	s->view.followed_cnt = s->proc_cnt;
	return 0;
}
/* The session's end on stderr: code events the kernel could not tell at once, and the
 * allocations walked before their files' rows were in (folded, or left truncated) */
static void say_early(const struct leak_run *s)
{
	uint64_t lost = leak_loader__code_events_lost(s->loader),
		 early = leak_loader__early_walks(s->loader);

	if (lost)
		fprintf(stderr,
			"perfan-bpf: %" PRIu64 " exec(s) or code mappings were not told at once "
			"(ring buffer full): their files were looked at the next tick\n",
			lost);
	if (early) {
		struct early_rewalk_stats st = {};
		char why[256] = "", same[64] = "";
		size_t at = 0;

		if (s->rewalk)
			st = early_rewalk__stats(s->rewalk);
		st.dropped += leak_loader__early_uncopied(s->loader);
		const struct {
			uint64_t n;
			const char *what;
		} reasons[] = {
			{ st.no_maps, "process gone before its mappings were read" },
			{ st.no_rows, "rows not in within 2 s" },
			{ st.deep, "stack deeper than its 16 KiB copy" },
			{ st.execed, "exec'd first" },
			{ st.dropped, "too many at once" },
		};
		for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (reasons[i].n && at < sizeof(why))
				at += (size_t)snprintf(why + at, sizeof(why) - at,
						       "%s%" PRIu64 " %s", at ? ", " : " (",
						       reasons[i].n, reasons[i].what);
		if (at && at < sizeof(why) - 1)
			strcat(why, ")");
		if (st.same)
			snprintf(same, sizeof(same), " (%" PRIu64 " of them to the stack they had)",
				 st.same);
		fprintf(stderr,
			"perfan-bpf: %" PRIu64
			" allocation(s) were walked before their files' unwind "
			"rows were in: %" PRIu64 " walked again%s, %" PRIu64
			" not%s; %zu stack(s) joined their whole stack, %zu left truncated "
			"(%" PRIu64 " objects)\n",
			early, s->view.early_rewalked, same, s->view.early_not_rewalked, why,
			s->fold.folded, s->fold.left, s->fold.left_objects);
	}
	if (s->opts->max_unwind_rows && !leak_loader__unwind_registry_whole(s->loader))
		fprintf(stderr,
			"perfan-bpf: more than %d files: walks through files not "
			"looked at yet were not told apart\n",
			LEAK_UNWIND_FILES_MAX);
}

static int run(struct leak_run *s)
{
	/* On a terminal the text view redraws in place, every second unless told otherwise */
	double interval = s->live_view && !s->opts->interval_set ? 1 : s->opts->interval_s;
	double next_print = s->view.start_s + interval;
	double next_snap = s->view.start_s + s->opts->snapshot_every_s;
	struct stacktab *tab = live_session__stacks(s->live);
	bool text = !strcmp(s->opts->format, "text");
	double stop_s;
	unsigned seq;
	int err, ev;

	double next_tick = s->view.start_s;

	for (;;) {
		double now = cli_bpf__now_s(), wake;

		if (s->opts->duration_s && now >= s->view.start_s + s->opts->duration_s)
			break;
		if (now >= next_tick)
			next_tick = now + TICK_MS / 1000.0;
		wake = next_tick;
		if (s->opts->snapshot_every_s && next_snap < wake)
			wake = next_snap;
		if (s->wait_cnt && now + 0.001 < wake) /* a file mapped, not in place yet */
			wake = now + 0.001;
		ev = event_loop__wait(&s->loop, event_loop__ms_until(wake));
		/* code events alone (execs, libraries mapped) are served at once, without a tick */
		if (s->ev_code && (ev & s->ev_code))
			drain_code(s);
		if (s->wait_cnt)
			retry_waits(s, cli_bpf__now_s());
		if (!(ev & ~s->ev_code) && cli_bpf__now_s() < next_tick &&
		    !(s->opts->snapshot_every_s && cli_bpf__now_s() >= next_snap))
			continue;
		/* marks first: a USDT mark reached just before the target exits keeps its label */
		err = handle_events(s, ev, &next_snap) ?: refresh(s);
		if (err)
			return cli__error("cannot take a snapshot: %s", strerror(-err));
		if (ev & EV_STOP)
			break;
		if ((ev & EV_EXITED) && !s->target_gone) {
			size_t alive = followed_alive(s);

			if (!alive)
				break;
			/* the processes it forked go on: so does the session, until they end */
			s->target_gone = true;
			event_loop__unwatch(&s->loop);
			fprintf(stderr,
				"perfan-bpf: pid %d exited; following the %zu process%s it forked "
				"until they exit (Ctrl-C for the report)\n",
				s->tgt.pid, alive, alive == 1 ? "" : "es");
		}
		if (s->target_gone && !followed_alive(s))
			break;
		if (text && cli_bpf__now_s() >= next_print) {
			if (s->live_view)
				leak_view__draw(&s->view, s->loader, tab, &s->sample,
						live_session__count(s->live), cli_bpf__now_s());
			else if (!note_followed(s))
				leak_view__print(&s->view, s->loader, tab, &s->sample, false,
						 cli_bpf__now_s());
			next_print += interval;
		}
	}
	/* Read and print before detaching: unregistering each uprobe waits for an RCU grace
	 * period (~80 ms here), and the report should not wait for that. */
	stop_s = cli_bpf__now_s();
	if (s->ev_marks)
		handle_events(s, s->ev_marks, &next_snap);
	/* the code events still in the ring buffer or the code thread: read here, all of them
	 * (take_code, at the snapshot) */
	stop_code_thread(s);
	err = take_snapshot(s, "end", true, &seq);
	if (err)
		return cli__error("cannot take the final snapshot: %s", strerror(-err));
	leak_view__drops(&s->sample, live_session__dropped(s->live), s->opts->max_mark_rate,
			 s->opts->max_session_bytes, leak_loader__execs(s->loader));
	if (s->rewalk) {
		struct early_rewalk_stats st = early_rewalk__stats(s->rewalk);

		s->view.early_rewalked = st.walked;
		s->view.early_rewalked_same = st.same;
		s->view.early_not_rewalked = st.no_maps + st.no_rows + st.deep + st.execed +
					     st.dropped + leak_loader__early_uncopied(s->loader);
	}
	say_early(s);
	say_follow(s);
	note_followed(s);
	s->view.execs = s->execs;
	s->view.exec_cnt = s->exec_cnt;
	s->view.execs_total = leak_loader__execs(s->loader);
	s->view.early_walks = leak_loader__early_walks(s->loader);
	s->view.early_folded = s->fold.folded;
	s->view.early_left = s->fold.left;
	s->view.early_left_objects = s->fold.left_objects;
	s->view.code_events_lost = leak_loader__code_events_lost(s->loader);
	if (s->live_view)
		fputs("\n", stdout); /* the final report goes below the last view */
	if (!s->view.fmt)
		return 0; /* a picture: drawn from the session file once it is closed */
	return leak_view__print(&s->view, s->loader, tab, &s->sample, true, stop_s)
		       ? cli__error("cannot write the report")
		       : 0;
}

/* Closes the session file and draws a picture format of its end from it */
static int finish_session(struct leak_run *s, int err)
{
	unsigned n = live_session__count(s->live);

	if (live_session__close(s->live) && !err)
		return cli__error("cannot finish the session file '%s'", s->output);
	if (s->output[0] && n)
		fprintf(stderr, "perfan-bpf: %u snapshot%s in %s\n", n, n == 1 ? "" : "s",
			s->output);
	if (err || s->view.fmt)
		return err;
	if (!s->output[0] || !n)
		return cli__error("no session file to draw the %s report from", s->view.format);
	return render__session_file("leak", s->output, "end", s->view.format, stdout);
}

int cmd__leak(int argc, char **argv)
{
	struct leak_opts opts;
	struct leak_run s = { .opts = &opts,
			      .ctlfd = -1,
			      .code_wake = -1,
			      .code_ep = -1,
			      .code_flush = -1,
			      .early_ep = -1,
			      .early_stop = -1,
			      .flush_cond = PTHREAD_COND_INITIALIZER,
			      .rows_lock = PTHREAD_MUTEX_INITIALIZER,
			      .opened_lock = PTHREAD_MUTEX_INITIALIZER,
			      .queue_lock = PTHREAD_MUTEX_INITIALIZER };
	int err;

	err = leak_opts__parse(argc, argv, &opts);
	if (err)
		return opts__status(err);
	err = cli_bpf__preflight(opts.pid);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	/* a report is flushed whole when written (leak_view__print, the live views): a
	 * line-buffered stdout cost one write() per line, ~1M for a 30,000-stack report */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	s.view = (struct leak_view){
		.format = opts.format,
		.fmt = report__formatter(opts.format),
		.top = opts.top,
		.top_set = opts.top_set,
		.min_age_s = opts.min_age_s,
		.allocator = s.alloc_name,
		.tgt = &s.tgt,
	};
	s.live_view = !strcmp(opts.format, "text") && isatty(STDOUT_FILENO);
	s.stderr_tty = isatty(STDERR_FILENO);
	/* Ctrl-C, SIGTERM and SIGUSR1 reach the poll loop, never interrupt a write */
	err = event_loop__init(&s.loop, true);
	s.sym = symbolizer__new(&(struct symbolizer_opts){ .debuginfod = opts.debuginfod });
	if (opts.max_unwind_rows)
		s.rewalk = early_rewalk__new();
	if (err || !s.sym || (opts.max_unwind_rows && !s.rewalk)) {
		err = cli__error("cannot set up the session: %s", strerror(err ? -err : ENOMEM));
		goto cleanup;
	}
	err = start_target(&s) ?: run(&s);
cleanup:
	control__close(s.ctlfd, s.tgt.pid);
	for (size_t i = 0; i < s.proc_cnt; i++)
		for (int a = i ? 0 : 1; a <= s.extra_cnt; a++)
			probes__detach(&s.procs[i].links[a]);
	links__reap_wait(&s.reaper);
	stop_code_thread(&s);
	if (s.code_wake >= 0)
		close(s.code_wake);
	if (s.code_flush >= 0)
		close(s.code_flush);
	if (s.code_ep >= 0)
		close(s.code_ep);
	if (s.early_ep >= 0)
		close(s.early_ep);
	if (s.early_stop >= 0)
		close(s.early_stop);
	for (int i = 0; i < s.extra_cnt; i++)
		free(s.extra[i]);
	free(s.procs);
	free(s.notes);
	free(s.env);
	for (size_t i = 0; i < s.queued_cnt; i++)
		if (s.queued[i].fd >= 0)
			close(s.queued[i].fd);
	free(s.queued);
	free(s.opened);
	free(s.held);
	free(s.execs_seen);
	leak_loader__free(s.loader);
	free(s.waits);
	free(s.execs);
	free(s.scanned);
	free(s.unseen);
	early_rewalk__free(s.rewalk);
	unwind_set__free(&s.unwind);
	if (s.live)
		err = finish_session(&s, err);
	cli_bpf__reap(&s.tgt, false);
	event_loop__close(&s.loop);
	symbolizer__free(s.sym);
	leak_sample__free(&s.sample);
	return err;
}
