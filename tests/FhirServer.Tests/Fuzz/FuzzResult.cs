namespace FhirServer.Tests.Fuzz;

/// <summary>
/// What a request got: the status (0 when there was no answer), the time to the last byte, and the failure class
/// when the answer breaks a rule (<c>5xx</c>, <c>slow</c>, <c>4xx-without-outcome</c>, <c>connection</c>,
/// <c>timeout</c>, <c>process-died</c>; <c>generator</c> for a fault of the fuzzer).
/// </summary>
public sealed record FuzzResult(FuzzRequest Request, int Status, TimeSpan Elapsed, long ResponseBytes, string ResponseExcerpt, string? Failure)
{
    public const string ServerError = "5xx", Slow = "slow", NoOutcome = "4xx-without-outcome", Connection = "connection", Timeout = "timeout",
        ProcessDied = "process-died", Health = "health", Generator = "generator";

    /// <summary>The failure class with the status for 5xx ("5xx 500"), so that 500s and 503s are told apart.</summary>
    public string? FailureKey => Failure == ServerError ? $"{ServerError} {Status}" : Failure;
}
