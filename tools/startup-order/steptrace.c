/*
 * steptrace OUT LO HI CMD [ARGS...]: runs CMD under ptrace, single-stepping
 * its first thread, and writes each distinct instruction address in
 * [LO, HI) to OUT, in the order they first ran. Used by
 * tools/startup-order/gen to find the code a process start runs.
 * Signals the program receives are passed on; other threads run freely.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/user.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#define HBITS 24
static uint64_t *tab;
static int seen(uint64_t a){ uint64_t h=(a*0x9E3779B97F4A7C15ull)>>(64-HBITS); while(tab[h]){ if(tab[h]==a) return 1; h=(h+1)&((1<<HBITS)-1);} tab[h]=a; return 0; }
int main(int argc,char**argv){
  FILE*out=fopen(argv[1],"w"); uint64_t lo=strtoull(argv[2],0,0), hi=strtoull(argv[3],0,0);
  tab=calloc(1<<HBITS,8);
  pid_t p=fork();
  if(!p){ int nul=open("/dev/null",O_WRONLY); dup2(nul,1); ptrace(PTRACE_TRACEME,0,0,0); execv(argv[4],argv+4); _exit(127); }
  int st; waitpid(p,&st,0);
  long steps=0; int sig=0;
  for(;;){
    if(ptrace(PTRACE_SINGLESTEP,p,0,sig)<0) break;
    if(waitpid(p,&st,__WALL)<0) break;
    if(WIFEXITED(st)||WIFSIGNALED(st)) break;
    sig=0;
    if(WIFSTOPPED(st)&&WSTOPSIG(st)!=SIGTRAP) { sig=WSTOPSIG(st); }
    struct user_regs_struct r; ptrace(PTRACE_GETREGS,p,0,&r);
    steps++;
    if(r.rip>=lo && r.rip<hi && !seen(r.rip)) fprintf(out,"%llx\n",(unsigned long long)r.rip);
  }
  fclose(out); fprintf(stderr,"steps %ld\n",steps);
}
