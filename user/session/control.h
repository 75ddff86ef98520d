/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The control socket of a running leak session: a unix stream socket per traced pid in a
 * root-only runtime directory (/run/perfan-bpf, or $PERFAN_RUNTIME_DIR), through which
 * `perfan-bpf mark` asks for a labelled snapshot and waits until it is stored.
 * Protocol: one request line "mark LABEL\n", one reply line "ok SEQ\n" or "error TEXT\n". */
#ifndef PERFAN_CONTROL_H
#define PERFAN_CONTROL_H

#include <stddef.h>

#define CONTROL_LABEL_MAX 200
/* The pid the agent's socket (agent.sock) is known by: `perfan-bpf serve --trace` asks the
 * running agent "trace PID SEC" through it */
#define CONTROL_AGENT (-1)

/* The socket path for a session tracing pid (0: --all) */
int control__path(int pid, char *buf, size_t len);

/* Create the runtime directory if needed (mode 0700; refused when it exists but is not a
 * root-owned directory closed to others) and listen on pid's socket. Returns a non-blocking
 * listening fd, or -EADDRINUSE when a live session already listens for pid, or -errno. */
int control__listen(int pid);
/* Remove pid's socket and close fd */
void control__close(int fd, int pid);

/* Accept one request on the listening fd. Returns the connected fd with the label copied to
 * label (validated), -EAGAIN when nobody is waiting, or -EINVAL after replying with an error to
 * a bad request (the connection is then closed). */
int control__accept(int lfd, char *label, size_t len);
/* The same for a request "VERB ARG" (accept: "mark") */
int control__accept_req(int lfd, const char *verb, char *arg, size_t len);
/* Reply "ok SEQ" (err == 0) or "error TEXT" and close the connection */
void control__reply(int fd, int err, unsigned seq, const char *text);

/* A label is 1..CONTROL_LABEL_MAX printable bytes without newlines; NULL when valid, else why */
const char *control__bad_label(const char *label);

/* Client side: ask the session for pid (0: the only session running) to take a snapshot
 * labelled label; waits up to timeout_ms for the reply, which is copied to reply. 0 when the
 * session stored it; -ENOENT no session for pid; -EEXIST no pid given and several sessions run
 * (reply lists them); -ETIMEDOUT; -EPROTO the session replied an error (in reply). */
int control__mark(int pid, const char *label, int timeout_ms, char *reply, size_t len);
/* The same for any "VERB ARG" request (pid may be CONTROL_AGENT) */
int control__request(int pid, const char *verb, const char *arg, int timeout_ms, char *reply,
		     size_t len);

#endif
