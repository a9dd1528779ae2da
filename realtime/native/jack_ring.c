/* A JACK output client whose process callback only copies from a ring buffer.

   Why: a Python audio callback needs the GIL, and on a loaded machine taking it can miss
   the server's deadline even when the callback has nothing to do (docs/REALTIME.md). Here
   the real-time callback is plain C: it copies the frames a Python thread wrote ahead into
   the port buffers and never waits, allocates or logs. The Python side (ring_output.py)
   fills the ring a few blocks ahead; those blocks are the latency this path costs.

   One writer (the Python filler thread), one reader (this callback): the positions are
   frame counters that only grow, published with release/acquire atomics. */

#include <jack/jack.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <stdio.h>

#define WF_MAX_CHANNELS 8

typedef struct {
    jack_client_t *client;
    jack_port_t *ports[WF_MAX_CHANNELS];
    int channels;
    float *ring;           /* capacity frames x channels, interleaved */
    uint64_t capacity;     /* frames, a power of two */
    _Atomic uint64_t write_pos;   /* frames written by the filler */
    _Atomic uint64_t read_pos;    /* frames taken by the callback */
    _Atomic uint64_t cycles;
    _Atomic uint64_t underflows;  /* cycles that found fewer frames than they needed */
    _Atomic uint64_t short_frames;
    _Atomic uint64_t xruns;       /* the server's own xrun reports */
    _Atomic int shutdown;         /* the server went away */
    _Atomic uint64_t worst_ns;    /* the longest process callback since the last reset */
    /* the device clock, as a seqlock: read_pos at the start of the latest cycle and the
       CLOCK_MONOTONIC time (Python's perf_counter) the callback started */
    _Atomic uint32_t seq;
    uint64_t clock_frame;
    double clock_time;
    sem_t cycle;                  /* posted once per cycle: the filler's wake-up */
} wf_ring;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int process(jack_nframes_t n, void *arg) {
    wf_ring *r = (wf_ring *)arg;
    double t = now_s();
    uint64_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
    uint64_t wr = atomic_load_explicit(&r->write_pos, memory_order_acquire);
    uint64_t avail = wr - rd;
    uint64_t take = avail < n ? avail : n;
    uint64_t mask = r->capacity - 1;
    for (int c = 0; c < r->channels; c++) {
        float *out = (float *)jack_port_get_buffer(r->ports[c], n);
        for (uint64_t i = 0; i < take; i++)
            out[i] = r->ring[((rd + i) & mask) * r->channels + c];
        if (take < n)
            memset(out + take, 0, (n - take) * sizeof(float));
    }
    if (take < n && wr > 0) { /* before the first write, silence is expected */
        atomic_fetch_add_explicit(&r->underflows, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&r->short_frames, n - take, memory_order_relaxed);
    }
    uint32_t s = atomic_load_explicit(&r->seq, memory_order_relaxed);
    atomic_store_explicit(&r->seq, s + 1, memory_order_relaxed); /* odd: being written */
    atomic_thread_fence(memory_order_release);
    r->clock_frame = rd;
    r->clock_time = t;
    atomic_store_explicit(&r->seq, s + 2, memory_order_release);
    atomic_store_explicit(&r->read_pos, rd + take, memory_order_release);
    atomic_fetch_add_explicit(&r->cycles, 1, memory_order_relaxed);
    sem_post(&r->cycle);
    uint64_t took = (uint64_t)((now_s() - t) * 1e9);
    if (took > atomic_load_explicit(&r->worst_ns, memory_order_relaxed))
        atomic_store_explicit(&r->worst_ns, took, memory_order_relaxed);  /* one writer */
    return 0;
}

/* The server's xrun report, for the ring and the watcher alike: arg is their counter. */
static int count_xrun(void *arg) {
    atomic_fetch_add_explicit((_Atomic uint64_t *)arg, 1, memory_order_relaxed);
    return 0;
}

static void on_shutdown(void *arg) {
    wf_ring *r = (wf_ring *)arg;
    atomic_store(&r->shutdown, 1);
    sem_post(&r->cycle);
}

/* Opens the client (no server is started), registers out_1..out_N, activates it and, when
   connect is set, wires the ports to the first physical playback ports. ring_frames is
   rounded up to a power of two. Returns NULL with a message in err on failure. */
wf_ring *wf_open(const char *name, int channels, uint64_t ring_frames, int connect,
                 char *err, size_t err_len) {
    if (channels < 1 || channels > WF_MAX_CHANNELS) {
        snprintf(err, err_len, "channels must be 1..8");
        return NULL;
    }
    wf_ring *r = calloc(1, sizeof(wf_ring));
    if (!r) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    r->capacity = 1;
    while (r->capacity < ring_frames) r->capacity <<= 1;
    r->channels = channels;
    r->ring = calloc(r->capacity * (uint64_t)channels, sizeof(float));
    sem_init(&r->cycle, 0, 0);
    jack_status_t status = 0;
    r->client = jack_client_open(name, JackNoStartServer, &status);
    if (!r->client || !r->ring) {
        snprintf(err, err_len, "%s", r->ring ? "no JACK server answers" : "out of memory");
        free(r->ring);
        free(r);
        return NULL;
    }
    for (int c = 0; c < channels; c++) {
        char port[32];
        snprintf(port, sizeof port, "out_%d", c + 1);
        r->ports[c] = jack_port_register(r->client, port, JACK_DEFAULT_AUDIO_TYPE,
                                         JackPortIsOutput, 0);
        if (!r->ports[c]) {
            snprintf(err, err_len, "cannot register the JACK port %s", port);
            jack_client_close(r->client);
            free(r->ring);
            free(r);
            return NULL;
        }
    }
    jack_set_process_callback(r->client, process, r);
    jack_set_xrun_callback(r->client, count_xrun, &r->xruns);
    jack_on_shutdown(r->client, on_shutdown, r);
    if (jack_activate(r->client) != 0) {
        snprintf(err, err_len, "cannot activate the JACK client");
        jack_client_close(r->client);
        free(r->ring);
        free(r);
        return NULL;
    }
    if (connect) {
        const char **phys = jack_get_ports(r->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
                                           JackPortIsPhysical | JackPortIsInput);
        for (int c = 0; phys && c < channels && phys[c]; c++)
            jack_connect(r->client, jack_port_name(r->ports[c]), phys[c]);
        if (phys) jack_free(phys);
    }
    return r;
}

void wf_close(wf_ring *r) {
    if (!r) return;
    if (!atomic_load(&r->shutdown)) {
        jack_deactivate(r->client);
        jack_client_close(r->client);
    }
    sem_destroy(&r->cycle);
    free(r->ring);
    free(r);
}

float *wf_buffer(wf_ring *r) { return r->ring; }
uint64_t wf_capacity(wf_ring *r) { return r->capacity; }
uint64_t wf_write_pos(wf_ring *r) { return atomic_load_explicit(&r->write_pos, memory_order_relaxed); }
uint64_t wf_read_pos(wf_ring *r) { return atomic_load_explicit(&r->read_pos, memory_order_acquire); }

/* The filler wrote frames [write_pos, write_pos + n) into the ring: publish them. */
void wf_commit(wf_ring *r, uint64_t n) {
    atomic_fetch_add_explicit(&r->write_pos, n, memory_order_release);
}

/* Waits (GIL released by ctypes) for the next cycle, at most timeout_s. 1: a cycle came,
   0: timed out, -1: the server shut down. */
int wf_wait(wf_ring *r, double timeout_s) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + (long)(timeout_s * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    int got;
    while ((got = sem_timedwait(&r->cycle, &ts)) != 0 && errno == EINTR) {}
    if (atomic_load(&r->shutdown)) return -1;
    return got == 0 ? 1 : 0;
}

/* The device clock: the frame the latest cycle started at and when (CLOCK_MONOTONIC). */
void wf_clock(wf_ring *r, uint64_t *frame, double *t) {
    uint32_t s0, s1;
    do {
        s0 = atomic_load_explicit(&r->seq, memory_order_acquire);
        *frame = r->clock_frame;
        *t = r->clock_time;
        atomic_thread_fence(memory_order_acquire);
        s1 = atomic_load_explicit(&r->seq, memory_order_relaxed);
    } while (s0 != s1 || (s0 & 1));
}

/* counters: cycles, underflows, short frames, xruns, shutdown, worst callback (ns) */
void wf_counters(wf_ring *r, uint64_t *out) {
    out[0] = atomic_load(&r->cycles);
    out[1] = atomic_load(&r->underflows);
    out[2] = atomic_load(&r->short_frames);
    out[3] = atomic_load(&r->xruns);
    out[4] = (uint64_t)atomic_load(&r->shutdown);
    out[5] = atomic_load(&r->worst_ns);
}

void wf_reset_worst(wf_ring *r) { atomic_store(&r->worst_ns, 0); }

uint32_t wf_sample_rate(wf_ring *r) { return jack_get_sample_rate(r->client); }
uint32_t wf_buffer_size(wf_ring *r) { return jack_get_buffer_size(r->client); }
int wf_is_realtime(wf_ring *r) { return jack_is_realtime(r->client); }
const char *wf_client_name(wf_ring *r) { return jack_get_client_name(r->client); }

/* The playback latency after our port (frames), as the server reports it. */
uint32_t wf_port_latency(wf_ring *r) {
    jack_latency_range_t range;
    jack_port_get_latency_range(r->ports[0], JackPlaybackLatency, &range);
    return range.max;
}

/* An xrun watcher: a client with no ports and no process callback that only counts the
   server's xrun reports. The PortAudio output has no JACK handle of its own, and PortAudio
   reports every server xrun as an output underflow; this count tells a cycle the whole
   server missed (the host stalled it) from one our callback missed. Without a process
   callback the server never waits for this client. */
typedef struct {
    jack_client_t *client;
    _Atomic uint64_t xruns;
    _Atomic int shutdown;
} wf_watch;

static void on_watch_shutdown(void *arg) { atomic_store(&((wf_watch *)arg)->shutdown, 1); }

wf_watch *wf_watch_open(const char *name, char *err, size_t err_len) {
    wf_watch *w = calloc(1, sizeof(wf_watch));
    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    jack_status_t status = 0;
    w->client = jack_client_open(name, JackNoStartServer, &status);
    if (!w->client) {
        snprintf(err, err_len, "no JACK server answers");
        free(w);
        return NULL;
    }
    jack_set_xrun_callback(w->client, count_xrun, &w->xruns);
    jack_on_shutdown(w->client, on_watch_shutdown, w);
    if (jack_activate(w->client) != 0) {
        snprintf(err, err_len, "cannot activate the JACK client");
        jack_client_close(w->client);
        free(w);
        return NULL;
    }
    return w;
}

uint64_t wf_watch_xruns(wf_watch *w) { return atomic_load(&w->xruns); }
int wf_watch_alive(wf_watch *w) { return !atomic_load(&w->shutdown); }

void wf_watch_close(wf_watch *w) {
    if (!w) return;
    if (!atomic_load(&w->shutdown)) {
        jack_deactivate(w->client);
        jack_client_close(w->client);
    }
    free(w);
}
