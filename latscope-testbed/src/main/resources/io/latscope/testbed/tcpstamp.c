// SPDX-License-Identifier: Apache-2.0
/*
 * tcpstamp: a lean TCP sender/receiver whose own CLOCK_MONOTONIC stamps are the ground
 * truth for LatScope's END_TO_END (compiled on first use by io.latscope.testbed.NativeTraffic).
 *
 *   tcpstamp server ADDR PORT COUNT SIZE READ_DELAY_US
 *       accepts one connection, reads COUNT messages of SIZE bytes; after each message
 *       prints "<send_ns> <recv_ns>" (send_ns is the first 8 bytes of the message). With a
 *       READ_DELAY_US, it waits until data is readable, then sleeps that long before read().
 *   tcpstamp client ADDR PORT COUNT SIZE INTERVAL_US
 *       connects and writes COUNT messages of SIZE bytes, INTERVAL_US apart, each
 *       stamped just before write(); prints "<local_port>" when done
 *
 * The stamp is taken immediately before write() and immediately after the read() that
 * completes a message, so only the system call boundary lies between them and the kernel.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "tcpstamp: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int resolve(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "tcpstamp: bad address %s\n", addr);
	exit(2);
}

/* Sleeps until shortly before the deadline, then spins the rest, so the sender is warm
 * when it stamps. The spin is kept short: at real-time priority a spinning sender would
 * hold off an equal-priority receiver on the same CPU and eat into RT throttling. */
static void spin_until(uint64_t deadline)
{
	uint64_t t;
	while ((t = now_ns()) + 60000 < deadline) {
		struct timespec s = {0, (long)(deadline - t - 40000)};
		nanosleep(&s, NULL);
	}
	while (now_ns() < deadline)
		;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: tcpstamp server|client ADDR PORT COUNT SIZE DELAY_US\n");
		return 2;
	}
	const char *mode = argv[1];
	int port = atoi(argv[3]);
	long count = atol(argv[4]);
	long size = atol(argv[5]);
	long delay_us = atol(argv[6]);
	if (size < 8 || count < 1)
		return 2;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = resolve(argv[2], port, &ss, &sl);
	char *buf = malloc(size);
	memset(buf, 0, size);
	int one = 1;
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (!strcmp(mode, "server")) {
		int l = socket(fam, SOCK_STREAM, 0);
		if (l < 0)
			die("socket");
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, (struct sockaddr *)&ss, sl) || listen(l, 1))
			die("bind/listen");
		printf("listening\n");
		fflush(stdout);
		int c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		for (long i = 0; i < count; i++) {
			if (delay_us > 0) {
				struct pollfd pf = {.fd = c, .events = POLLIN};
				if (poll(&pf, 1, -1) < 0)
					die("poll");
				struct timespec s = {delay_us / 1000000, (delay_us % 1000000) * 1000};
				nanosleep(&s, NULL);
			}
			long got = 0;
			while (got < size) {
				ssize_t n = read(c, buf + got, size - got);
				if (n <= 0)
					die("read");
				got += n;
			}
			uint64_t t = now_ns();
			uint64_t sent;
			memcpy(&sent, buf, 8);
			printf("%llu %llu\n", (unsigned long long)sent, (unsigned long long)t);
		}
		shutdown(c, SHUT_WR);
		while (read(c, buf, size) > 0)
			;
		close(c);
		close(l);
	} else {
		int s = socket(fam, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(s, (struct sockaddr *)&ss, sl))
			die("connect");
		uint64_t next = now_ns();
		for (long i = 0; i < count; i++) {
			if (delay_us > 0) {
				next += (uint64_t)delay_us * 1000;
				spin_until(next);
			}
			uint64_t t = now_ns();
			memcpy(buf, &t, 8);
			long put = 0;
			while (put < size) {
				ssize_t n = write(s, buf + put, size - put);
				if (n <= 0)
					die("write");
				put += n;
			}
		}
		shutdown(s, SHUT_WR);
		while (read(s, buf, size) > 0)
			;
		struct sockaddr_storage me;
		socklen_t ml = sizeof(me);
		getsockname(s, (struct sockaddr *)&me, &ml);
		printf("%d\n", ntohs(fam == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
						    : ((struct sockaddr_in6 *)&me)->sin6_port));
		close(s);
	}
	fflush(stdout);
	return 0;
}
