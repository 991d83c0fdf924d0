using FhirServer.Tests.Support;

/// <summary>Once per test run, for the whole assembly (hence no namespace): stops the throwaway PostgreSQL.</summary>
[SetUpFixture]
public sealed class TestRunCleanup
{
    [OneTimeTearDown]
    public void StopServers() => PostgresServer.Stop();
}
