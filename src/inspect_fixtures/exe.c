/* Fixture for casement inspect: imports by name and by ordinal, a TLS directory
   with one callback, and .pdata from gcc; tables.s adds the rest. */
typedef void *HANDLE;
__declspec(dllimport) void __stdcall ExitProcess(unsigned code);
__declspec(dllimport) HANDLE __stdcall GetStdHandle(unsigned n);
__declspec(dllimport) int __stdcall WriteFile(HANDLE, const void *, unsigned, unsigned *, void *);
__declspec(dllimport) int __stdcall Ord7(void);
extern void with_handler(void);
extern void chained_part(void);

unsigned _tls_index;
__attribute__((section(".tls"))) int tls_start_marker = 0;
__attribute__((section(".tls$ZZZ"))) int tls_end_marker = 0;
void __stdcall tls_callback(HANDLE h, unsigned reason, void *r) { (void)h; (void)reason; (void)r; }
void (__stdcall *tls_callbacks[2])(HANDLE, unsigned, void *) = { tls_callback, 0 };
struct tls_dir { void *start, *end, *index, *callbacks; unsigned zero_fill, characteristics; };
const struct tls_dir _tls_used = { &tls_start_marker, &tls_end_marker + 1, &_tls_index, tls_callbacks, 0, 0 };

void start(void) {
    unsigned n;
    WriteFile(GetStdHandle(-11), "hi\n", 3, &n, 0);
    if (n == 99) { Ord7(); with_handler(); chained_part(); }
    ExitProcess(0);
}
