using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FhirServer.Cli;

/// <summary>
/// Where a <c>load</c>'s time went, printed after its summary: for each stage of the write path (reading and parsing
/// the lines, the checks, the transaction's inserts, its commit, the checkpoint file) the elapsed time spent in it and,
/// on Linux, the CPU time its threads used; then the garbage collector's pauses and the process's CPU time. The checks
/// of a batch run on every core while the batch before is written, so stages overlap and add up to more than the
/// elapsed time. The CPU times do not depend on what else the machine runs: the write stage's is the part no core can
/// share (one writer), and the load cannot go faster than one resource per (write CPU / resources).
/// </summary>
internal sealed class LoadStages
{
    public enum Stage { Parse, Checks, Write, Commit, Checkpoint }

    private static readonly string[] Names = ["read and parse", "checks", "write", "commit", "checkpoint"];

    private readonly long[] _ticks = new long[Names.Length];
    private readonly long[] _cpu = new long[Names.Length];
    private readonly bool[] _cpuUnknown = new bool[Names.Length];
    private readonly TimeSpan _pausesBefore = GC.GetTotalPauseDuration();
    private readonly TimeSpan _cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Adds the elapsed time since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="stage"/>; thread-safe.</summary>
    public void Add(Stage stage, long start) => AddTicks(stage, Stopwatch.GetTimestamp() - start);

    /// <summary>Adds <paramref name="ticks"/> of <see cref="Stopwatch"/> time to <paramref name="stage"/>; thread-safe.</summary>
    public void AddTicks(Stage stage, long ticks) => Interlocked.Add(ref _ticks[(int)stage], ticks);

    /// <summary>
    /// Adds the CPU time the calling thread used since <paramref name="start"/> (a <see cref="ThreadCpu"/>) to
    /// <paramref name="stage"/>, for work that ran on this thread alone; thread-safe.
    /// </summary>
    public void AddCpu(Stage stage, long start)
    {
        if (start >= 0 && ThreadCpu() is var now and >= 0) Interlocked.Add(ref _cpu[(int)stage], now - start);
    }

    /// <summary>Says that some of <paramref name="stage"/>'s work ran on threads whose CPU time was not counted: none is then printed.</summary>
    public void CpuUnknown(Stage stage) => Volatile.Write(ref _cpuUnknown[(int)stage], true);

    public TimeSpan this[Stage stage] => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)stage]));

    /// <summary>The CPU time of <paramref name="stage"/>'s threads (zero where it is not known).</summary>
    public TimeSpan Cpu(Stage stage) => Volatile.Read(ref _cpuUnknown[(int)stage]) ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _cpu[(int)stage]) / 100);

    public override string ToString()
    {
        var stages = string.Join(", ", Enum.GetValues<Stage>().Select(s =>
            $"{Names[(int)s]} {this[s].TotalSeconds:F1} s" + (Cpu(s) > TimeSpan.Zero ? $" (CPU {Cpu(s).TotalSeconds:F1} s)" : "")));
        var pauses = GC.GetTotalPauseDuration() - _pausesBefore;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuBefore;
        return $"load stages: {stages}; GC pauses {pauses.TotalSeconds:F1} s; process CPU {cpu.TotalSeconds:F1} s";
    }

    /// <summary>The calling thread's CPU time in nanoseconds (Linux: CLOCK_THREAD_CPUTIME_ID); -1 elsewhere.</summary>
    public static long ThreadCpu()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        return clock_gettime(ClockThreadCpuTime, out var time) == 0 ? time.Seconds * 1_000_000_000 + time.Nanoseconds : -1;
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
