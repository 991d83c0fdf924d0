using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Primitives;

public class PrimitiveLexerTests
{
    // The R4 (4.0.1) value regexes the lexers are written against. If a package ever brings different ones, the
    // lexers no longer mirror the registry and this test says so before any verdict drifts.
    private static readonly Dictionary<string, string> R4Regexes = new()
    {
        ["boolean"] = @"true|false",
        ["integer"] = @"-?([0]|([1-9][0-9]*))",
        ["positiveInt"] = @"[1-9][0-9]*",
        ["unsignedInt"] = @"[0]|([1-9][0-9]*)",
        ["decimal"] = @"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?",
        ["date"] = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
        ["dateTime"] = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
        ["instant"] = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
        ["time"] = @"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?",
        ["code"] = @"[^\s]+(\s[^\s]+)*",
        ["id"] = @"[A-Za-z0-9\-\.]{1,64}",
        ["uri"] = @"\S*",
        ["url"] = @"\S*",
        ["canonical"] = @"\S*",
        ["oid"] = @"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
        ["uuid"] = @"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    };

    private static IEnumerable<string> Types() => ExampleValues.LexerTypes;

    [TestCaseSource(nameof(Types))]
    public void Registry_declares_the_regex_the_lexer_mirrors(string type) =>
        Assert.That(TestData.Context.Registry.GetTypeDefinition(type)?.ValueRegex, Is.EqualTo(R4Regexes[type]));

    [TestCaseSource(nameof(Types))]
    public void Lexer_agrees_with_the_spec_regex_on_every_example_value_and_tricky_value(string type)
    {
        var values = ExampleValues.OfType(type).Concat(TrickyValues.Cases.Where(c => c.Type == type).Select(c => c.Value)).Distinct().ToList();
        Assert.That(values, Is.Not.Empty);
        var disagreements = values.Where(v => Lexer(type, v) != ExampleValues.RegexAccepts(type, v)).ToList();
        TestContext.Out.WriteLine($"{type}: {values.Count} distinct values, {values.Count(v => !ExampleValues.RegexAccepts(type, v))} invalid");
        Assert.That(disagreements, Is.Empty, $"{type}: {values.Count} values compared");
    }

    // Random edits of real values (seeded, so reproducible) reach the corners between valid and invalid that
    // neither the examples nor a hand-written list think of: a lost digit, a stray separator, a doubled zone.
    [TestCaseSource(nameof(Types))]
    public void Lexer_agrees_with_the_spec_regex_on_mutated_values(string type)
    {
        const string alphabet = "0123456789-+:.TZzeE \t\n\r\f\v\u00A0\u2003\u0085/abfx_";
        var random = new Random(4242);
        var seeds = ExampleValues.OfType(type).Concat(TrickyValues.Cases.Where(c => c.Type == type).Select(c => c.Value))
            .Distinct().Where(v => v.Length < 200).Take(400).ToList();
        var disagreements = new List<string>();
        var compared = 0;
        foreach (var seed in seeds)
        {
            for (var n = 0; n < 40; n++)
            {
                var value = Mutate(seed, alphabet, random);
                compared++;
                if (Lexer(type, value) != ExampleValues.RegexAccepts(type, value)) disagreements.Add(value);
            }
        }
        Assert.That(disagreements, Is.Empty, $"{type}: {compared} mutated values compared");
    }

    [TestCaseSource(typeof(TrickyValues), nameof(TrickyValues.TestCases))]
    public void Tricky_value(string type, string value, bool expected)
    {
        Assert.That(ExampleValues.RegexAccepts(type, value), Is.EqualTo(expected), "spec regex");
        Assert.That(Lexer(type, value), Is.EqualTo(expected), "lexer");
    }

    [TestCase("string")]
    [TestCase("markdown")]
    [TestCase("base64Binary")]
    [TestCase("xhtml")]
    [TestCase("integer64")]
    [TestCase("http://hl7.org/fhirpath/System.String")]
    public void Types_without_a_lexer_are_left_to_the_regex(string type) =>
        Assert.That(PrimitiveLexer.TryValidate(type, "x", out _), Is.False);

    [TestCase("date", "2024-02-29", true)]
    [TestCase("date", "2024-13", false)]
    [TestCase("dateTime", "2015-02-07T13:28:17", false)]
    [TestCase("id", "a_b", false)]
    [TestCase("code", "two  spaces", false)]
    public void Check_reports_the_lexer_verdict_in_the_usual_words(string type, string value, bool valid)
    {
        var problem = TestData.Context.Primitives.Check(type, value, ParserOptions.Default);
        Assert.That(problem, valid ? Is.Null : Is.EqualTo($"The value '{value}' is not a valid {type}"));
    }

    // Past the regexes, what the datatype definitions (R4 datatypes.html) forbid: integers over 32 bits, days the month lacks.
    [TestCase("integer", "2147483647", null)]
    [TestCase("integer", "-2147483648", null)]
    [TestCase("integer", "2147483648", "outside the range of integer")]
    [TestCase("integer", "99999999999", "outside the range of integer")]
    [TestCase("unsignedInt", "4294967295", "outside the range of unsignedInt")]
    [TestCase("positiveInt", "2147483647", null)]
    [TestCase("date", "2024-02-30", "day 30 is past the end of the month")]
    [TestCase("date", "2023-02-29", "day 29 is past the end of the month")]
    [TestCase("date", "2024-02-29", null)]
    [TestCase("date", "1900-02-29", "day 29 is past the end of the month")]
    [TestCase("date", "2000-02-29", null)]
    [TestCase("dateTime", "2023-04-31T10:00:00Z", "day 31 is past the end of the month")]
    [TestCase("dateTime", "2023-04", null)]
    [TestCase("instant", "2023-06-31T00:00:00.000+02:00", "day 31 is past the end of the month")]
    public void Check_refuses_what_the_datatypes_forbid_beyond_the_regex(string type, string value, string? problem)
    {
        var found = TestData.Context.Primitives.Check(type, value, ParserOptions.Default);
        Assert.That(found, problem is null ? Is.Null : Does.Contain(problem).And.Contain(value));
    }

    [Test]
    public void Check_still_uses_the_regex_for_other_types()
    {
        Assert.That(TestData.Context.Primitives.Check("base64Binary", "abc", ParserOptions.Default), Is.Not.Null);
        Assert.That(TestData.Context.Primitives.Check("date", "2024-01-01", ParserOptions.Default with { ValidatePrimitives = false }), Is.Null);
        Assert.That(TestData.Context.Primitives.Check("date", "nonsense", ParserOptions.Default with { ValidatePrimitives = false }), Is.Null);
    }

    private static bool Lexer(string type, string value)
    {
        Assert.That(PrimitiveLexer.TryValidate(type, value, out var valid), Is.True, $"{type} is not handled");
        return valid;
    }

    private static string Mutate(string seed, string alphabet, Random random)
    {
        var chars = new List<char>(seed);
        var edits = 1 + random.Next(2);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(chars.Count + 1);
            switch (random.Next(5))
            {
                case 0 when chars.Count > 0 && at < chars.Count: chars.RemoveAt(at); break;
                case 1 when at < chars.Count: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                case 2 when at < chars.Count: chars.Insert(at, chars[at]); break;
                case 3: chars.RemoveRange(at, chars.Count - at); break;
                default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
            }
        }
        return new string([.. chars]);
    }
}
