using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FhirServer.Tests.Smart;

/// <summary>The warnings a server logs, kept to be read by the tests (a refusal is logged).</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Warnings { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) capture.Warnings.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
