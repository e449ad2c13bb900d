"""The command line: thin glue between click, the settings, the engine and the reporters."""

from __future__ import annotations

import gc
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from klint import registry
from klint.reporters import FORMATS, plural
from klint.rule import (
    LATEST_PSS_VERSION,
    Profile,
    Rule,
    Severity,
    beyond_known_pss_version,
    format_pss_version,
)

if TYPE_CHECKING:  # `klint --version`, `rules` and `explain` load none of the engine
    from klint import config
    from klint.engine import FileResult

SEVERITIES = [severity.label for severity in Severity]


class DefaultLintGroup(click.Group):
    """`klint PATH...` means `klint lint PATH...`; `klint rules` and `klint explain` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["lint", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultLintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, help="Show the version and exit.",
              callback=lambda ctx, _, value: _print_version(ctx) if value else None)
def main() -> None:
    """klint: lint Kubernetes manifests for runtime security, offline.

    `klint PATH...` lints files and directories (`-` reads standard input);
    see `klint lint --help` for its options.
    """
    from klint.plugins import PluginError

    # A run allocates many long-lived objects (the findings, which --jobs unpickles in this process,
    # and every result a whole-run report keeps): with the default thresholds the cycle collector walks
    # that heap over and over (15% of the parent's time). Collected less often, as mypy does; what is
    # loaded now is never garbage.
    gc.set_threshold(100_000, 50, 100)
    gc.freeze()
    try:
        registry.catalogue()  # plugins load here: a broken one is an error before anything runs
    except PluginError as err:
        click.echo(f"klint: error: {err}", err=True)
        sys.exit(2)


def _print_version(ctx: click.Context) -> None:
    from klint import __version__

    click.echo(f"klint, version {__version__}")
    ctx.exit()


def _color(choice: str, stream: TextIO) -> bool:
    """Colour for the stream the report goes to: on a terminal, unless NO_COLOR is set (to anything
    but the empty string, as no-color.org says)."""
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _parse_outputs(ctx: click.Context, param: click.Parameter,
                   values: tuple[str, ...]) -> list[tuple[str, str]]:
    outputs = []
    for value in values:
        name, sep, file = value.partition(":")
        if not sep or name not in FORMATS or not file:
            raise click.BadParameter(f"expected FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}, "
                                     f"got {value!r}")
        outputs.append((name, file))
    return outputs


@main.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # unreadable: an input error
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="Report format on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT:FILE", callback=_parse_outputs,
              help="Also write a report in FORMAT to FILE, e.g. sarif:klint.sarif (repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: nearest .klint.yaml or pyproject.toml [tool.klint]).")
@click.option("--select", multiple=True, help="Rules to enable: codes, names or code prefixes (repeatable, "
                                              "comma-separated).")
@click.option("--ignore", multiple=True, help="Rules to disable (repeatable, comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
@click.option("--severity", "severity_overrides", multiple=True, metavar="RULE=LEVEL",
              help="Override a rule's severity (repeatable).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run "
                                                               "[default: low].")
@click.option("--profile", type=click.Choice([p.value for p in Profile]),
              help="Rule set: baseline (Pod Security Standards baseline and the input rules), restricted "
                   "(baseline and PSS restricted) or all (restricted and every hardening rule beyond the "
                   "standard) [default: all].")
@click.option("--pss-version", metavar="v1.N|latest",
              help="Evaluate the Pod Security Standards as that version of Pod Security Admission does, "
                   "like the pod-security.kubernetes.io/enforce-version label [default: latest].")
@click.option("--seccomp-root", metavar="DIR", type=click.Path(file_okay=False),
              help="Check that Localhost seccomp profiles exist under DIR and are valid (as the kubelet's "
                   "seccomp root).")
@click.option("--apparmor-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Check that Localhost AppArmor profiles are defined by the profile files in DIR.")
@click.option("--runtime-default", metavar="PROFILE", type=click.Path(dir_okay=False),
              help="Judge seccomp profiles' allowed calls against this default profile of your runtime "
                   "instead of the built-in list (seccomp-dangerous-syscall's runtime-default option).")
@click.option("--fix", "fix", is_flag=True,
              help="Apply safe fixes, rewriting files in place (with -, print the fixed stream).")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, also apply unsafe fixes (they may change how a workload runs).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them "
                                           "(exit 1 when a file would change).")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="With --fix, exit 1 when a file was changed, even if no finding remains.")
@click.option("--stdin-filename", default="-", help="Name standard input in reports.")
@click.option("--warn-unused-suppressions", is_flag=True,
              help="Report suppression comments and annotations that suppress nothing, and those that name "
                   "no rule (rules KL002, KL003).")
@click.option("--foreign-ignores/--no-foreign-ignores", default=None,
              help="Honour other tools' ignore annotations and comments (kube-linter, Polaris, Checkov, "
                   "Trivy) [default: on].")
@click.option("--baseline", "baseline", metavar="FILE", help="Report only findings that are not in this "
                                                             "baseline (written with --write-baseline).")
@click.option("--write-baseline", metavar="FILE",
              help="Record the findings that count today in FILE; later runs with --baseline FILE "
                   "report only new ones.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings count (input and usage errors "
                                                "still exit 2).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--show-fixes", is_flag=True, help="With --format full, show each finding's fix as a diff.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has (and how many are "
                                                 "fixable) instead of the findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only, without the summary.")
@click.option("--silent", is_flag=True, help="Print no report on standard output (the exit code and any "
                                             "--output files remain).")
@click.option("-f", "--values", "values_files", multiple=True, type=click.Path(dir_okay=False),
              help="Charts: a values file, as `helm template -f` (repeatable; later ones win).")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE",
              help="Charts: set a value, as `helm template --set` (repeatable).")
@click.option("--set-string", "set_strings", multiple=True, metavar="KEY=VALUE",
              help="Charts: set a string value, as `helm template --set-string` (repeatable).")
@click.option("--release-name", default="release-name", show_default=True, help="Charts: the release name.")
@click.option("--namespace", default="default", show_default=True, help="Charts: the release namespace.")
@click.option("--kube-version", metavar="1.N",
              help="The Kubernetes version you deploy to: chart templates see it (.Capabilities), and "
                   "invalid-field reports the fields its API does not have yet.")
@click.option("--helm", "helm_binary", type=click.Path(dir_okay=False),
              help="Charts: the helm binary to render with [default: helm on PATH, else the "
                   "klint[helm] extra].")
@click.option("--chart-dir", type=click.Path(file_okay=False),
              help="Piped `helm template` output (-): the chart it came from, so that findings point at "
                   "its template lines.")
@click.option("--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Rego policies to run beside the rules: .rego files (conftest or admission style) or "
                   "Gatekeeper ConstraintTemplate and Constraint YAML, or directories of them (repeatable).")
@click.option("--policy-namespace", "namespaces", multiple=True, metavar="PACKAGE",
              help="Rego package whose deny, violation and warn rules to run (repeatable) "
                   "[default: main and kubernetes.admission].")
@click.option("--all-policy-namespaces", "all_namespaces", is_flag=True,
              help="Run the deny, violation and warn rules of every package.")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              help="JSON or YAML document for the policies' `data` (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Lint with N worker processes (1: in this process) [default: the CPUs klint may use].")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar (shown on a terminal's standard "
                                                  "error for runs of more than a few seconds).")
@click.option("-v", "--verbose", is_flag=True, help="Also print statistics to standard error.")
def lint_command(paths: tuple[str, ...], output_format: str, outputs: list[tuple[str, str]],
                 config_file: Path | None,
                 select: tuple[str, ...], ignore: tuple[str, ...], exclude: tuple[str, ...],
                 severity_overrides: tuple[str, ...], fail_on: str | None, profile: str | None,
                 pss_version: str | None, fix: bool, unsafe_fixes: bool, diff: bool,
                 exit_non_zero_on_fix: bool, stdin_filename: str,
                 warn_unused_suppressions: bool, foreign_ignores: bool | None, baseline: str | None,
                 write_baseline: str | None, exit_zero: bool, color: str, show_fixes: bool, statistics: bool,
                 quiet: bool, silent: bool, verbose: bool,
                 seccomp_root: str | None, apparmor_dir: str | None, runtime_default: str | None,
                 values_files: tuple[str, ...], set_values: tuple[str, ...],
                 set_strings: tuple[str, ...], release_name: str, namespace: str, kube_version: str | None,
                 helm_binary: str | None, chart_dir: str | None, policy_paths: tuple[str, ...],
                 namespaces: tuple[str, ...], all_namespaces: bool, data_files: tuple[str, ...],
                 jobs: int | None, no_progress: bool) -> None:
    """Lint Kubernetes manifests (files, directories, or - for standard input). A directory holding
    Chart.yaml is a Helm chart and one holding kustomization.yaml a kustomization: each is rendered
    offline and its render linted, findings pointing at the template lines."""
    from klint import config, runner
    from klint.document import C_COMPOSER
    from klint.progress import is_terminal, progress_for
    from klint.render import RenderOptions
    from klint.reporters import WRITERS, Report, renderer, writer

    if statistics and output_format not in ("text", "concise", "full"):
        raise click.UsageError(f"--statistics prints a table, not {output_format}: use it with --format "
                               "text, concise or full (the report itself can go to --output FORMAT:FILE)")
    registry.use_policy_rules(_policy_rules(policy_paths, namespaces, all_namespaces, data_files, paths,
                                            exclude))
    render = RenderOptions(values=values_files, set=set_values, set_string=set_strings,
                           release_name=release_name, namespace=namespace, kube_version=kube_version,
                           helm=helm_binary, chart_dir=chart_dir)

    formats = {output_format, *(name for name, _ in outputs)}
    # the reports that show fixes' edits (and fixing) need them; the others, whether and how each applies
    fix_edits = fix or diff or show_fixes or bool({"json", "sarif"} & formats)

    def flags(settings: config.Settings) -> config.Settings:
        settings = settings.override(
            select=select, ignore=ignore, exclude=exclude, severity=severity_overrides, fail_on=fail_on,
            profile=profile, pss_version=pss_version, warn_unused_suppressions=warn_unused_suppressions,
            foreign_ignores=foreign_ignores)
        settings = replace(settings, fix_edits=fix_edits)
        if kube_version:
            settings = settings.with_rule_option("invalid-field", "kube-version", kube_version)
        return _profile_settings(settings, seccomp_root, apparmor_dir, runtime_default)

    try:
        configs = config.Configurations(config_file, flags, baseline=baseline,
                                        use_baseline=write_baseline is None)
        settings = configs.root
        rules = settings.enabled_rules()
    except config.ConfigError as err:  # the configuration file's fault: no usage banner
        raise ConfigurationError(str(err)) from None
    except ValueError as err:
        raise click.UsageError(str(err)) from None

    if beyond_known_pss_version(pss_version):
        newest = format_pss_version(LATEST_PSS_VERSION)
        click.echo(f"klint: --pss-version {(pss_version or '').strip()} is newer than the newest version "
                   f"klint knows; evaluated as {newest}, as Pod Security Admission evaluates a version newer "
                   "than its own", err=True)
    if not paths and stdin_filename != "-":
        paths = ("-",)  # `--stdin-filename NAME` alone reads standard input, as ruff does
    fixing = fix or diff
    if fixing:
        from klint import fixer  # only fixing needs it: start-up time
    # only the reports that quote the text (code frames, SARIF snippets and fixes) keep each file's
    quoting = {"full", "sarif"} & formats
    # no bar while diffs or a fixed stream are printed on standard output, which may be the same terminal
    bar = progress_for(sys.stderr, not (no_progress or diff or (fix and "-" in paths)))
    diff_colored = diff and _color(color, sys.stdout)
    to_stderr = diff or (fix and "-" in paths)
    # decided here: click.echo would strip the styles off output that is not a terminal
    colored = _color(color, sys.stderr if to_stderr else sys.stdout)
    shown = None if silent else "statistics" if statistics else output_format
    # The report on standard output is written as the results come, holding none of them, unless
    # another report needs them all, the baseline rewrites them, or it follows the fixes' output
    # (the diff or the fixed stream) on standard error.
    streamed = (write_baseline is None and not outputs and not to_stderr
                and (shown is None or shown in WRITERS))
    report = Report([], rules, settings, show_fixes=show_fixes, quiet=quiet, verbose=verbose,
                    keep=not streamed)
    stream_writer = writer(shown, report, colored) if streamed and shown is not None else None
    erase_bar = is_terminal(sys.stdout)  # before lines under the bar: it is redrawn below them
    fixes = fixer.FixSummary.of([], diff, unsafe_fixes, fail_on_change=diff or exit_non_zero_on_fix) \
        if fixing else None
    for outcome in runner.run(paths, settings, rules, fix=fixing, unsafe=unsafe_fixes, stdin=sys.stdin.buffer,
                              stdin_filename=stdin_filename, render=render, configs=configs,
                              jobs=jobs or runner.default_jobs(), keep_sources=bool(quoting),
                              progress=bar):
        if outcome.fix is not None and fixes is not None:
            # the fixed stream or the diff to standard output, the report to stderr
            fixer.deliver(outcome.fix, outcome.stdin, diff, sys.stdout.buffer, color=diff_colored)
            fixes = fixes.add(outcome.fix)
        report.add(outcome.result)
        if stream_writer is not None and (text := stream_writer.result(outcome.result)):
            if bar is not None and erase_bar:
                bar.close()
            click.echo(text, nl=False, color=colored)
    if bar is not None:
        bar.close()
    if write_baseline is not None:  # what it records counts as suppressed by it
        settings = _write_baseline(write_baseline, report.results, settings)
        report = replace(report, settings=settings)
    report.fixes = fixes
    if not report.files:
        click.echo(f"klint: no file to lint in {' '.join(paths) or '.'} (looked for .yaml, .yml and .json "
                   "files)", err=True)
    sys.stdout.flush()  # the diff or fixed stream before the report, on a terminal showing both
    if stream_writer is not None:
        click.echo(stream_writer.end(), nl=False, color=colored)
    elif statistics and not silent:
        from klint.reporters.text import render_statistics

        click.echo(render_statistics(report, colored), nl=False, err=to_stderr, color=colored)
    elif not silent:
        click.echo(renderer(output_format)(report, colored), nl=False, err=to_stderr, color=colored)
    unwritten = False
    for name, file in outputs:  # each report that can be written is, whatever happens to the others
        try:
            _write_report(file, renderer(name)(report, False))
        except OSError as err:
            click.echo(f"klint: cannot write the {name} report to {file}: {err.strerror or err}", err=True)
            unwritten = True
    if verbose:
        from klint import __version__

        composer = "C composer" if C_COMPOSER else "pure-Python composer (C extension not installed)"
        click.echo(f"klint {__version__}: {plural(report.files, 'file')}, "
                   f"{plural(report.count('documents'), 'document')}, "
                   f"{plural(report.count('objects'), 'object')}, "
                   f"{report.count('not_kubernetes')} non-Kubernetes documents skipped, "
                   f"{plural(len(rules), 'rule')}, {composer}", err=True)
        for origin, files in configs.used.items():
            click.echo(f"klint: configuration {os.path.relpath(origin)} for {plural(files, 'file')}",
                       err=True)
        for path, fallback in report.fallbacks:
            click.echo(f"klint: {path}: read with the pure-Python composer, as libyaml refused it at "
                       f"{fallback}", err=True)
    if report.baseline_unmatched and settings.baseline is not None:
        click.echo(f"klint: {report.baseline_unmatched} of the baseline's findings are gone; shrink it with "
                   f"--write-baseline {settings.baseline.path}", err=True)
    code = 2 if unwritten else report.exit_code()
    sys.exit(0 if exit_zero and code == 1 else code)


def _write_baseline(path: str, results: list[FileResult], settings: config.Settings) -> config.Settings:
    """Record the findings that count in the baseline `path`; they then count as suppressed by it."""
    from klint import __version__
    from klint.suppress import baseline

    counting = [finding for result in results for finding in result.findings if finding.suppressed is None]
    recorded = baseline.of(path, counting)
    try:
        _write_report(path, baseline.render(recorded, __version__))
    except OSError as err:
        raise click.ClickException(f"cannot write the baseline {path}: {err.strerror or err}") from None
    for result in results:
        result.findings, result.baseline_matched = recorded.apply(result.findings)
    click.echo(f"klint: recorded {recorded.size()} findings in the baseline {path}", err=True)
    return replace(settings, baseline=recorded)


class ConfigurationError(click.ClickException):
    """A configuration file that cannot be used: exit 2, as a usage error, without the usage."""

    exit_code = 2


def _profile_settings(settings: config.Settings, seccomp_root: str | None, apparmor_dir: str | None,
                      runtime_default: str | None) -> config.Settings:
    """The profile rules' options that have flags of their own."""
    if seccomp_root:
        settings = settings.with_rule_option("seccomp-localhost-profile", "seccomp-root", seccomp_root)
    if apparmor_dir:
        settings = settings.with_rule_option("apparmor-localhost-profile", "apparmor-dir", apparmor_dir)
    if runtime_default:
        settings = settings.with_rule_option("seccomp-dangerous-syscall", "runtime-default", runtime_default)
    return settings


def _policy_rules(policy_paths: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool,
                  data_files: tuple[str, ...], paths: tuple[str, ...],
                  exclude: tuple[str, ...]) -> list[type[Rule]]:
    """The rules of `--policy`; a broken policy is an error (exit 2). Without `--policy` nothing of
    the policy engine is imported."""
    if not policy_paths:
        if namespaces or all_namespaces or data_files:
            raise click.UsageError("--namespace, --all-namespaces and --data need --policy")
        return []
    from klint import policies
    from klint.policies.engine import PolicyError

    try:
        loaded = policies.load(policy_paths, namespaces=namespaces, all_namespaces=all_namespaces,
                               data_files=data_files, objects=lambda: policies.run_objects(paths, exclude))
    except PolicyError as err:
        click.echo(f"klint: error: {err}", err=True)
        sys.exit(2)
    for note in loaded.notes:
        click.echo(f"klint: note: {note}", err=True)
    return list(loaded.rules)


def _write_report(path: str, text: str) -> None:
    """Readers of `path` see the old file or the whole new report, never a part of it."""
    from klint.fixer import write_atomic

    write_atomic(path, text.encode("utf-8"))


def rule_json(rule: type[Rule]) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary(),
        "severity": rule.severity.label,
        "pss": rule.pss.value if rule.pss else None,
        "psaCheck": rule.psa_check,
        "pssMinimumVersion": format_pss_version(rule.min_pss_version) if rule.pss else None,
        "profile": rule.profile().value,
        "references": list(rule.references),
        "options": {key: list(v) if isinstance(v, tuple) else v for key, v in rule.options.items()},
        "equivalents": {tool: list(checks) for tool, checks in rule.equivalents.items()},
    }


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["table", "text", "json"]), default="table",
              show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule."""
    rules = registry.all_rules()
    if output_format == "json":
        click.echo(json.dumps([rule_json(rule) for rule in rules], indent=2))
        return
    rows = [("CODE", "NAME", "SEVERITY", "PSS", "SUMMARY")] + [
        (r.code, r.name, r.severity.label, r.pss.value if r.pss else "-", r.summary()) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        click.echo(cells + "  " + row[4])


@main.command("explain")
@click.argument("rule_name")
def explain_command(rule_name: str) -> None:
    """Print a rule's documentation (by code or name)."""
    rule = registry.find(rule_name)
    if rule is None:
        raise click.UsageError(f"unknown rule {rule_name!r} (see `klint rules`)")
    pss = (f", Pod Security Standards {rule.pss.value} ({rule.psa_check}, since "
           f"{format_pss_version(rule.min_pss_version)})" if rule.pss else "")
    click.echo(f"{rule.code} {rule.name} (severity {rule.severity.label}{pss})\n")
    click.echo(rule.documentation())
    if rule.references:
        click.echo("\nReferences:\n" + "\n".join(f"- {ref}" for ref in rule.references))
