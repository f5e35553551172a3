/*
 * heap_mt.c - a multithreaded heap benchmark: T threads each keep a ring of
 * 256 live blocks and replace one per operation (free + allocate 16..256
 * bytes, like the shared suite's heap_small, touching both ends of each
 * block). Reports wall ns per operation per thread, the throughput of T
 * threads against one (on 2 idle cores, 2 threads should do close to
 * twice the work of one), and the CPU time per operation of each thread,
 * which stays flat as threads are added when they do not contend — a
 * figure that holds even on a loaded machine, where wall-clock scaling
 * only shows how many cores the benchmark got.
 *
 * One source, two builds: with mingw-w64 it uses HeapAlloc/HeapFree on the
 * process heap, or msvcrt's malloc/free with a second argument "malloc";
 * with the host gcc it uses glibc malloc/free, the native reference. See
 * bench/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
static HANDLE heap;
static int use_malloc;
static const char *name = "heap_mt";
static void *bench_alloc(size_t n) { return use_malloc ? malloc(n) : HeapAlloc(heap, 0, n); }
static void bench_free(void *p)
{
    if (use_malloc)
        free(p);
    else
        HeapFree(heap, 0, p);
}
static uint64_t thread_cpu_ns(void)
{
    FILETIME c, e, k, u;
    GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u);
    return ((((uint64_t)k.dwHighDateTime << 32) | k.dwLowDateTime) + (((uint64_t)u.dwHighDateTime << 32) | u.dwLowDateTime)) * 100;
}
static uint64_t now_ns(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)((double)c.QuadPart * 1e9 / (double)f.QuadPart);
}
typedef HANDLE thread_t;
#else
#include <pthread.h>
#include <time.h>
static const char *name = "malloc_mt";
static void *bench_alloc(size_t n) { return malloc(n); }
static void bench_free(void *p) { free(p); }
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
typedef pthread_t thread_t;
#endif

#define SLOTS 256
#define OPS 2000000
#define MAXT 8

static volatile int failed;
/* CPU time of the threads of the current run, summed. */
static volatile int64_t cpu_total;

static void run_ops(void)
{
    uint64_t cpu0 = thread_cpu_ns();
    unsigned char *slot[SLOTS];
    for (int i = 0; i < SLOTS; i++)
        slot[i] = bench_alloc(16);
    for (uint64_t i = 0; i < OPS; i++) {
        unsigned j = (unsigned)i & (SLOTS - 1);
        size_t size = 16 + ((i * 7) & 15) * 16;
        bench_free(slot[j]);
        unsigned char *p = bench_alloc(size);
        if (!p) {
            failed = 1;
            return;
        }
        p[0] = (unsigned char)i;
        p[size - 1] = (unsigned char)i;
        slot[j] = p;
    }
    for (int i = 0; i < SLOTS; i++)
        bench_free(slot[i]);
    __atomic_add_fetch(&cpu_total, (int64_t)(thread_cpu_ns() - cpu0), __ATOMIC_SEQ_CST);
}

#ifdef _WIN32
static DWORD WINAPI worker(void *arg) { (void)arg; run_ops(); return 0; }
#else
static void *worker(void *arg) { (void)arg; run_ops(); return NULL; }
#endif

/* Wall time of T threads doing OPS operations each. */
static double run_threads(int t)
{
    thread_t th[MAXT];
    uint64_t t0 = now_ns();
    for (int i = 0; i < t; i++) {
#ifdef _WIN32
        th[i] = CreateThread(NULL, 0, worker, NULL, 0, NULL);
#else
        pthread_create(&th[i], NULL, worker, NULL);
#endif
    }
    for (int i = 0; i < t; i++) {
#ifdef _WIN32
        WaitForSingleObject(th[i], INFINITE);
        CloseHandle(th[i]);
#else
        pthread_join(th[i], NULL);
#endif
    }
    return (double)(now_ns() - t0);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
#ifdef _WIN32
    heap = GetProcessHeap();
    if (argc > 2 && !strcmp(argv[2], "malloc")) {
        use_malloc = 1;
        name = "malloc_mt";
    }
#endif
    int counts[] = {1, 2, 4};
    double best[3] = {0, 0, 0}, cpu[3] = {0, 0, 0};
    for (int c = 0; c < 3; c++) {
        for (int r = 0; r < runs; r++) {
            cpu_total = 0;
            double ns = run_threads(counts[c]);
            double per_op_cpu = (double)cpu_total / ((double)OPS * counts[c]);
            if (best[c] == 0 || ns < best[c])
                best[c] = ns;
            if (cpu[c] == 0 || per_op_cpu < cpu[c])
                cpu[c] = per_op_cpu;
        }
    }
    if (failed) {
        printf("heap_mt FAIL allocation failed\n");
        return 1;
    }
    for (int c = 0; c < 3; c++) {
        double per_op = best[c] / OPS; /* wall ns per op of one thread */
        double throughput = (double)OPS * counts[c] / best[c] * 1e3; /* Mops/s */
        printf("%s_%dt %10.1f ns/op %8.1f Mops/s  scaling %.2fx  cpu %.1f ns/op\n", name, counts[c], per_op, throughput,
               throughput / ((double)OPS / best[0] * 1e3), cpu[c]);
    }
    return 0;
}
