// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Launching a command held until its allocator is mapped (see launch.h).
 * Why ptrace: before exec the child's libc is ours, not necessarily the one the command will
 * load (another libc, jemalloc, a container root). Stopping at the exec and stepping over
 * system calls until the dynamic linker installs the thread pointer (arch_prctl(ARCH_SET_FS)
 * on x86-64, set_tid_address on musl) catches the moment every DT_NEEDED library is mapped
 * and none of their code, so no malloc, has run. */
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include "target/launch.h"

/* the loader makes a few dozen system calls before; this bounds a strange binary */
#define MAX_SYSCALL_STOPS 20000

static void child(char *const argv[], char *const envp[], int err_fd)
{
	sigset_t ours;
	int e;

	/* the signals the session reads from a signalfd are blocked here: the command gets them
	 * back, so Ctrl-C and SIGTERM reach it as they would without perfan-bpf (issue: a
	 * launched command kept INT, TERM and USR1 blocked and could not be stopped) */
	sigemptyset(&ours);
	sigaddset(&ours, SIGINT);
	sigaddset(&ours, SIGTERM);
	sigaddset(&ours, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &ours, NULL);
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
		e = errno;
		goto fail;
	}
	if (envp)
		execvpe(argv[0], argv, envp);
	else
		execvp(argv[0], argv);
	e = errno;
fail:
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* The first system call made once the dynamic linker has mapped all libraries */
static bool libraries_mapped(const struct user_regs_struct *regs)
{
	long nr = (long)regs->orig_rax;

	return (nr == SYS_arch_prctl && regs->rdi == ARCH_SET_FS) || nr == SYS_set_tid_address ||
	       nr == SYS_exit_group || nr == SYS_exit;
}

static int wait_stop(pid_t pid, int *sig)
{
	int status;

	if (waitpid(pid, &status, __WALL) < 0)
		return -errno;
	if (!WIFSTOPPED(status))
		return -ESRCH; /* exited or was killed */
	*sig = WSTOPSIG(status);
	return 0;
}

static int run_to_libraries(pid_t pid)
{
	bool in_syscall = false;
	int sig = 0, err;

	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)))
		return -errno;
	for (int i = 0; i < MAX_SYSCALL_STOPS; i++) {
		struct user_regs_struct regs;

		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig))
			return -errno;
		err = wait_stop(pid, &sig);
		if (err)
			return err;
		if (sig != (SIGTRAP | 0x80))
			continue; /* a real signal: delivered at the next resume */
		sig = 0;
		in_syscall = !in_syscall;
		if (!in_syscall)
			continue;
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			return -errno;
		if (libraries_mapped(&regs))
			return 0;
	}
	return 0;
}

int launch__start(char *const argv[], char *const envp[], pid_t *out)
{
	int pipefd[2], e = 0, sig, err;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (!pid) {
		close(pipefd[0]);
		child(argv, envp, pipefd[1]);
	}
	close(pipefd[1]);
	/* the exec closes the pipe (CLOEXEC) on success; a failed exec writes its errno */
	n = read(pipefd[0], &e, sizeof(e));
	close(pipefd[0]);
	if (n == sizeof(e)) {
		waitpid(pid, NULL, 0);
		return -e;
	}
	err = wait_stop(pid, &sig); /* the SIGTRAP that follows a traced exec */
	if (!err)
		err = run_to_libraries(pid);
	if (err) {
		launch__abort(pid);
		return err;
	}
	*out = pid;
	return 0;
}

int launch__release(pid_t pid)
{
	return ptrace(PTRACE_DETACH, pid, NULL, NULL) ? -errno : 0;
}

void launch__abort(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
}
