package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a child process of the bench: the Kefu server under test, or
// a ceiling server (`kefu bench helper …`).
type process struct {
	name  string
	cmd   *exec.Cmd
	URL   string // http://127.0.0.1:port
	pprof string // host:port of the server's pprof endpoint, if enabled
	log   *os.File
	done  chan struct{}
	err   error
}

// startKefu starts `kefu serve` on a free loopback port with the given store
// (a SQLite data directory, or a PostgreSQL DSN) and waits until it is ready.
func (r *run) startKefu(ctx context.Context, name, dataDir, dsn string, pprof bool) (*process, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--demo=false", "--log-level", "warn"}
	if dsn != "" {
		args = append(args, "--db", dsn)
	}
	var env []string
	var pprofAddr string
	if pprof || r.cfg.Pprof {
		pprofAddr = freeAddr()
		env = append(env, "KEFU_PPROF="+pprofAddr)
	}
	p, err := r.start(ctx, name, env, args...)
	if err != nil {
		return nil, err
	}
	p.pprof = pprofAddr
	if err := p.waitReady(ctx, "/readyz"); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// startHelper starts one of the bench's own ceiling servers.
func (r *run) startHelper(ctx context.Context, kind string) (*process, error) {
	p, err := r.start(ctx, "helper-"+kind, nil, "bench", HelperCommand, kind, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx, "/healthz"); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// start runs the binary and reads the URL it prints ("… running at http://…"
// or "listening on http://…") from its standard output.
func (r *run) start(ctx context.Context, name string, env []string, args ...string) (*process, error) {
	logf, err := os.Create(filepath.Join(r.out, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(r.cfg.Exe, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logf, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if i := strings.Index(line, "http://"); i >= 0 && p.URL == "" {
				select {
				case urls <- strings.Fields(line[i:])[0]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.URL = <-urls:
	case <-p.done:
		return nil, fmt.Errorf("%s exited: %v (log: %s)", name, p.err, logf.Name())
	case <-time.After(60 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not start within 60 s (log: %s)", name, logf.Name())
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
	return p, nil
}

func (p *process) waitReady(ctx context.Context, path string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v", p.name, p.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s is not ready after 30 s", p.name)
}

// stop asks the process to shut down gracefully and waits for it.
func (p *process) stop() {
	if p == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// pid is the process id, for /proc.
func (p *process) pid() int { return p.cmd.Process.Pid }

// rssBytes is the process's resident memory (VmRSS).
func (p *process) rssBytes() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}

// cpuSeconds is the CPU time (user + system) the process has used.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may contain spaces) in ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// machineBusySeconds is the CPU time the whole machine has spent busy.
func machineBusySeconds() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	busy := 0.0
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i != 3 && i != 4 { // not idle, not iowait
			busy += n
		}
	}
	return busy / 100
}

// cpuMeter measures how many cores the server and the bench use during a
// phase, and how many everything else on the machine took meanwhile
// (other processes compete with the measurement; results say so).
type cpuMeter struct {
	pid                  int
	start                time.Time
	server, own, machine float64
}

func startCPU(p *process) *cpuMeter {
	return &cpuMeter{pid: p.pid(), start: time.Now(), server: cpuSeconds(p.pid()), own: cpuSeconds(os.Getpid()),
		machine: machineBusySeconds()}
}

// cores returns the cores used since start by the server and by the bench.
func (m *cpuMeter) cores() (server, bench float64) {
	el := time.Since(m.start).Seconds()
	return (cpuSeconds(m.pid) - m.server) / el, (cpuSeconds(os.Getpid()) - m.own) / el
}

// others returns the cores used since start by every other process.
func (m *cpuMeter) others() float64 {
	el := time.Since(m.start).Seconds()
	server, bench := m.cores()
	return max((machineBusySeconds()-m.machine)/el-server-bench, 0)
}

// metrics reads the named Prometheus samples from the process's /metrics
// (a sample with labels is named with them, as printed).
func (p *process) metrics(names ...string) map[string]float64 {
	out := map[string]float64{}
	resp, err := http.Get(p.URL + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		for _, n := range names {
			if name == n {
				out[n], _ = strconv.ParseFloat(strings.TrimSpace(val), 64)
			}
		}
	}
	return out
}

// profile fetches a CPU profile of d from the server's pprof endpoint into
// the output directory, in the background; wait for it with the returned
// function.
func (r *run) profile(p *process, name string, d time.Duration) (wait func()) {
	if p.pprof == "" || !r.cfg.Pprof {
		return func() {}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		secs := max(int(d.Seconds()), 1)
		// Just after the phase, still under load, also keep where the
		// goroutines wait. (A full dump stops the world for as long as it
		// takes to walk every goroutine's stack: never inside the window.)
		time.AfterFunc(d+100*time.Millisecond, func() {
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/goroutine?debug=1", p.pprof))
			if err != nil {
				return
			}
			defer resp.Body.Close()
			if f, err := os.Create(filepath.Join(r.out, name+".goroutines.txt")); err == nil {
				io.Copy(f, resp.Body)
				f.Close()
			}
		})
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.pprof, secs))
		if err != nil {
			r.progress("pprof %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		path := filepath.Join(r.out, name+".cpu.pprof")
		f, err := os.Create(path)
		if err != nil {
			return
		}
		io.Copy(f, resp.Body)
		f.Close()
		r.progress("profile: %s", path)
	}()
	return wg.Wait
}

// gc makes the server collect garbage (through its pprof endpoint), so
// memory figures count what is live.
func (p *process) gc() {
	if p.pprof == "" {
		return
	}
	if resp, err := http.Get("http://" + p.pprof + "/debug/pprof/heap?gc=1"); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// freeAddr returns a loopback address with a free port.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// fileLimit is this process's limit of open files.
func fileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Cur
}

// raiseFileLimit lifts the soft limit of open files to the hard one; child
// processes inherit it.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
