namespace FhirServer.Profiles.Tests;

/// <summary>Dependencies point one way: FhirServer → Profiles → Terminology → Conformance.</summary>
public class DependencyTests
{
    [Test]
    public void Profiles_does_not_depend_on_the_host()
    {
        var references = typeof(FhirServer.Profiles.ProfilesAssembly).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(references, Does.Not.Contain("FhirServer"));
    }
}
