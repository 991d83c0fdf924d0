using System.Runtime.CompilerServices;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Tests.Support;

namespace FhirServer.Terminology.Tests.French;

/// <summary>
/// The French national terminologies as the server loads them: every JDV_ value set of ans.fr.terminologies expands,
/// TRE_ codes have their French display, and the required bindings of FR Core, Annuaire and PDSm resolve to value
/// sets that expand. What cannot is listed, with the reason, in one file per check; the lists must stay exact.
/// <c>TX_FRENCH_WRITE_LISTS=1</c> rewrites them from a run.
/// </summary>
public class FrenchTerminologyTests
{
    [Test]
    public void Every_JDV_value_set_expands_or_is_listed()
    {
        var service = FrenchPackages.Service();
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var valueSets = FrenchPackages.Resources("ans.fr.terminologies", "ValueSet").Select(v => v.Child("url")?.Value).OfType<string>()
            .Where(u => u.Contains("/JDV_", StringComparison.Ordinal)).Distinct().ToList();
        Assert.That(valueSets, Has.Count.GreaterThan(30));
        foreach (var url in valueSets)
        {
            try
            {
                if (service.Expand(new ExpandRequest { Url = url, Count = 0 }).Total == 0) failures[url] = "empty expansion";
            }
            catch (TerminologyException e)
            {
                failures[url] = e.Message;
            }
        }
        CheckList("jdv-not-expanded.txt", failures, "JDV_ value sets of ans.fr.terminologies that do not expand");
    }

    [TestCase("https://mos.esante.gouv.fr/NOS/TRE_R81-Civilite/FHIR/TRE-R81-Civilite", "MME", "Madame")]
    [TestCase("https://mos.esante.gouv.fr/NOS/TRE_R20-Pays/FHIR/TRE-R20-Pays", "99100", "République française")]
    [TestCase("https://mos.esante.gouv.fr/NOS/TRE_R11-CiviliteExercice/FHIR/TRE-R11-CiviliteExercice", "DR", "Docteur")]
    [TestCase("https://mos.esante.gouv.fr/NOS/TRE_R85-RolePriseCharge/FHIR/TRE-R85-RolePriseCharge", "300", "Assistant de service social (PAERPA)")]
    public void Lookup_of_a_TRE_code_gives_its_French_display(string system, string code, string display)
    {
        var result = FrenchPackages.Service().Lookup(new LookupRequest(new CodingValue(system, code)));
        Assert.That(result.Display, Is.EqualTo(display));
    }

    [Test]
    public void Required_bindings_of_the_French_profiles_expand_or_are_listed()
    {
        var service = FrenchPackages.Service();
        var bindings = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var package in new[] { "hl7.fhir.fr.core", "ans.fhir.fr.annuaire", "ans.fhir.fr.pdsm" })
            foreach (var sd in FrenchPackages.Resources(package, "StructureDefinition"))
                foreach (var element in sd.Child("snapshot")?.ChildrenNamed("element") ?? [])
                    if (element.Child("binding") is { } binding && binding.Child("strength")?.Value == "required"
                        && binding.Child("valueSet")?.Value is { } valueSet)
                    {
                        if (!bindings.TryGetValue(valueSet, out var where)) bindings[valueSet] = where = new SortedSet<string>(StringComparer.Ordinal);
                        where.Add(package);
                    }
        Assert.That(bindings, Has.Count.GreaterThan(20));
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (valueSet, packages) in bindings)
        {
            try
            {
                service.Expand(new ExpandRequest { Url = valueSet, Count = 0 });
            }
            catch (TerminologyException e)
            {
                failures[valueSet] = $"{e.IssueCode}: {e.Message} (bound in {string.Join(", ", packages)})";
            }
        }
        CheckList("required-bindings-not-expanded.txt", failures,
            "Required bindings of FR Core, Annuaire and PDSm whose value set does not expand: not in the packages, or a code system (version) missing");
    }

    private static void CheckList(string name, SortedDictionary<string, string> failures, string header)
    {
        var file = Path.Combine(SourceFolder(), name);
        var lines = failures.Select(f => f.Key + "\t" + f.Value).ToList();
        if (Environment.GetEnvironmentVariable("TX_FRENCH_WRITE_LISTS") == "1")
        {
            File.WriteAllLines(file, [$"# {header} (tab: value set, reason). TX_FRENCH_WRITE_LISTS=1 rewrites this file.", .. lines]);
            return;
        }
        var listed = File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList() : [];
        Assert.That(lines, Is.EqualTo(listed), $"{name} lists what cannot be expanded, one value set a line with its reason (TX_FRENCH_WRITE_LISTS=1 rewrites it)");
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
