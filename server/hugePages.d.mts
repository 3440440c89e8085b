/** Whether a process with this environment has malloc advise huge pages (glibc.malloc.hugetlb). */
export function asksHugePages(env: NodeJS.ProcessEnv): boolean;
/** The environment with the huge-page tunable added (others kept; an explicit choice of it kept too). */
export function withHugePages(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
