/* Fixture for casement inspect: a PE32 (i386) exe with imports, an export,
   a TLS directory with one callback, and HIGHLOW base relocations. */
typedef void *HANDLE;
__declspec(dllimport) void __stdcall ExitProcess(unsigned code);
__declspec(dllimport) HANDLE __stdcall GetStdHandle(unsigned n);
__declspec(dllimport) int __stdcall WriteFile(HANDLE, const void *, unsigned, unsigned *, void *);

unsigned _tls_index;
__attribute__((section(".tls"))) int tls_start_marker = 0;
__attribute__((section(".tls$ZZZ"))) int tls_end_marker = 0;
void __stdcall tls_callback(HANDLE h, unsigned reason, void *r) { (void)h; (void)reason; (void)r; }
void (__stdcall *tls_callbacks[2])(HANDLE, unsigned, void *) = { tls_callback, 0 };
struct tls_dir { void *start, *end, *index, *callbacks; unsigned zero_fill, characteristics; };
const struct tls_dir _tls_used = { &tls_start_marker, &tls_end_marker + 1, &_tls_index, tls_callbacks, 0, 0 };

__declspec(dllexport) int exported_from_exe(int x) { return x + 1; }

void start(void) {
    unsigned n;
    WriteFile(GetStdHandle(-11), "hi\n", 3, &n, 0);
    ExitProcess(0);
}
