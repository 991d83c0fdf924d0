using FhirServer.Tests.Support;

namespace FhirServer.Tests.Hosting;

/// <summary>
/// A configuration mistake ends the process with one clear line on stderr and a non-zero exit: no stack trace, no
/// server left listening.
/// </summary>
[NonParallelizable]
public class ConfigurationErrorTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fhirserver-config-").FullName;

    [TearDown]
    public void DeleteFolder() => TempFolder.Delete(_dir);

    private static void AssertOneLine(ProcessRun run, string mentioned)
    {
        Assert.That(run.Exit, Is.EqualTo(2), run.Out + run.Err);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.Err);
        Assert.That(lines[0], Does.Contain(mentioned));
        Assert.That(run.Out + run.Err, Does.Not.Contain(" at ").And.Not.Contain("Exception"), "no stack trace");
    }

    [TestCase(new[] { "--store", "postgres" }, "--store postgres needs --connection")]
    [TestCase(new[] { "--store", "mongodb" }, "Unknown store 'mongodb'")]
    [TestCase(new[] { "--urls", "http://localhost:abc" }, "'http://localhost:abc' is not an address")]
    [TestCase(new[] { "--urls", "http://127.0.0.1:70000" }, "'http://127.0.0.1:70000' is not an address")]
    [TestCase(new[] { "--max-request-bytes", "20MB" }, "--max-request-bytes (Server:MaxRequestBytes): '20MB' is not a whole number")]
    [TestCase(new[] { "--max-request-bytes", "0" }, "--max-request-bytes (Server:MaxRequestBytes) is 0")]
    [TestCase(new[] { "--request-log", "maybe" }, "--request-log (Server:RequestLog): 'maybe' is not true or false")]
    [TestCase(new[] { "--packages", "hl7.fhir.r4.core#4.0.1,fr core" }, "'fr core' in --packages")]
    [TestCase(new[] { "--log-format", "xml" }, "Unknown log format 'xml'")]
    [TestCase(new[] { "--validation", "full" }, "--validation (Validation:OnWrite) is 'full': use off, base, declared or strict")]
    [TestCase(new[] { "--Validation:RequiredProfiles:Patient", "http://example.org/p" }, "required profiles apply in strict mode only")]
    [TestCase(new[] { "--validation", "strict", "--Validation:RequiredProfiles:Patinet", "http://example.org/p" }, "'Patinet' is not a resource type")]
    [TestCase(new[] { "--Validation:IdentifierRules:NIR", "fatal" }, "Validation:IdentifierRules:NIR is 'fatal'")]
    [TestCase(new[] { "--Validation:AnyExtensions", "maybe" }, "Validation:AnyExtensions is 'maybe': use true or false")]
    [TestCase(new[] { "--Validation:MaxIssues", "0" }, "Validation:MaxIssues is '0'")]
    [TestCase(new[] { "--Validation:ExtensionDomains", "fr core" }, "Validation:ExtensionDomains: 'fr core' is not an absolute")]
    [TestCase(new[] { "--Validation:IdentifierRules:INSEE", "off" }, "Validation:IdentifierRules:INSEE: no identifier rule has this name")]
    [TestCase(new[] { "--store", "postgres", "--connection", "Hots=localhost" }, "The PostgreSQL store (--connection) cannot be opened")]
    public async Task A_configuration_mistake_is_one_line_and_exit_code_2(string[] arguments, string mentioned) =>
        AssertOneLine(await ProcessRun.ServerAsync(["--urls", "http://127.0.0.1:0", .. arguments]), mentioned);

    [Test]
    public async Task A_data_directory_that_cannot_be_created_is_one_line()
    {
        var file = Path.Combine(_dir, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        AssertOneLine(await ProcessRun.ServerAsync("--data", file, "--urls", "http://127.0.0.1:0"), $"The data directory {file} (--data) cannot be used");
    }

    [Test]
    public async Task Reindex_with_a_configuration_mistake_is_one_line()
    {
        AssertOneLine(await ProcessRun.ServerAsync("reindex", "--store", "postgres"), "reindex: --store postgres needs --connection");
    }
}
