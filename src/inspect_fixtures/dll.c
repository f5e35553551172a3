/* Fixture for casement inspect: a DLL with named, ordinal-only and forwarded exports. */
typedef void *HANDLE;
int counter = 7;
int *counter_ptr = &counter;            /* absolute pointer: needs a base relocation */
__declspec(dllexport) int add(int a, int b) { return a + b + *counter_ptr; }
__declspec(dllexport) int mul(int a, int b) { return a * b; }
int secret(void) { return 42; }
int __stdcall DllMain(HANDLE h, unsigned reason, void *reserved) { (void)h; (void)reason; (void)reserved; return 1; }
