using FhirServer.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace FhirServer.Tests.Hosting;

/// <summary>When <see cref="IdleMemory"/> gives memory back: once per idle spell, never while a request is in flight.</summary>
public class IdleMemoryTests
{
    [Test]
    public void Trims_once_after_an_idle_spell_that_followed_requests()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, NullLogger<IdleMemory>.Instance);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(idle.TrimIfDue(), Is.False, "no request yet: nothing to give back");

        idle.Begin();
        idle.End();
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
    public void Never_trims_while_a_request_is_in_flight()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 10 }, clock, NullLogger<IdleMemory>.Instance);
        idle.Begin();
        idle.End();
        idle.Begin();
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(idle.TrimIfDue(), Is.False, "a long request is still running");

        idle.End();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(idle.TrimIfDue(), Is.False, "the idle spell counts from the last request's end");
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(idle.TrimIfDue(), Is.True);
    }

    [Test]
    public void Zero_turns_it_off()
    {
        var clock = new ManualClock();
        var idle = new IdleMemory(new ServerSettings { IdleTrimSeconds = 0 }, clock, NullLogger<IdleMemory>.Instance);
        idle.Begin();
        idle.End();
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
