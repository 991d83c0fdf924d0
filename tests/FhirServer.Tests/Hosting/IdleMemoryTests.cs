using FhirServer.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace FhirServer.Tests.Hosting;

/// <summary>When <see cref="IdleMemory"/> gives memory back: once per idle spell, after the idle time without a request beginning or ending.</summary>
public class IdleMemoryTests
{
    [Test]
    public void Trims_once_after_an_idle_spell_that_followed_requests()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, NullLogger<IdleMemory>.Instance) { MinimumGrowthBytes = 0 };
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(idle.TrimIfDue(), Is.False, "no request yet: nothing to give back");

        idle.End(idle.Begin(new DefaultHttpContext()));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That(idle.TrimIfDue(), Is.False, "idle for 9 s of 10");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(idle.TrimIfDue(), Is.True);
        Assert.That(idle.Trims, Is.EqualTo(1));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That(idle.TrimIfDue(), Is.False, "no request since the last trim");
        Assert.That(idle.Trims, Is.EqualTo(1));
    }

    [Test]
    public void A_request_beginning_or_ending_restarts_the_idle_time_and_a_silent_one_does_not_hold_the_trim_back()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, NullLogger<IdleMemory>.Instance) { MinimumGrowthBytes = 0 };
        var first = idle.Begin(new DefaultHttpContext());
        clock.Advance(TimeSpan.FromSeconds(8));
        idle.Begin(new DefaultHttpContext());
        clock.Advance(TimeSpan.FromSeconds(8));
        idle.End(first);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That(idle.TrimIfDue(), Is.False, "9 s since the last request ended");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(idle.InFlight, Is.EqualTo(1));
        Assert.That(idle.TrimIfDue(), Is.True, "a request silent for the whole idle time does not hold the trim back");
    }

    [Test]
    public void A_request_in_flight_whose_context_was_recycled_is_logged_without_touching_it()
    {
        // Kestrel pools HttpContexts: the one a request began with may be reset for the connection's next request, or
        // disposed, by the time the trim logs what is in flight. Reading it then threw ObjectDisposedException, which
        // ended the background service and with it the server.
        var clock = new ManualClock();
        var logger = new ListLogger();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, logger) { MinimumGrowthBytes = 0 };
        idle.End(idle.Begin(new DefaultHttpContext()));
        var stuck = new DefaultHttpContext();
        stuck.Request.Method = "POST";
        stuck.Request.Path = "/Patient";
        idle.Begin(stuck);
        stuck.Uninitialize();
        Assert.Throws<ObjectDisposedException>(() => _ = stuck.Request.Path, "a recycled context throws when read");
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(idle.TrimIfDue(), Is.True);
        Assert.That(logger.Messages, Has.Some.Contains("Still in flight while idle: POST /Patient"));
    }

    private sealed class ListLogger : ILogger<IdleMemory>
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    [Test]
    public void Not_again_until_the_committed_memory_has_grown()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, NullLogger<IdleMemory>.Instance) { MinimumGrowthBytes = long.MaxValue };
        idle.End(idle.Begin(new DefaultHttpContext()));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(idle.TrimIfDue(), Is.False);
    }

    [Test]
    public void Zero_turns_it_off()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 0 }, clock, NullLogger<IdleMemory>.Instance) { MinimumGrowthBytes = 0 };
        idle.End(idle.Begin(new DefaultHttpContext()));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.That(idle.TrimIfDue(), Is.False);
        Assert.That(idle.Trims, Is.Zero);
    }

    [Test]
    public void A_negative_setting_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => new ServerSettings { IdleTrimSeconds = -1 }.Validate());
        Assert.That(e!.Message, Does.Contain("Server:IdleTrimSeconds"));
    }

    /// <summary>A clock whose timestamps move only when the test says.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
