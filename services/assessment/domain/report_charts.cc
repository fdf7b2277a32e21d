// ReportRenderer's charts: the inline SVG of the bulletin (ranking bars,
// monthly trend, overdue by unit). The documents are report.cc.

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/assessment/domain/report.h"

namespace hotline::assessment {

namespace {

// Charts are drawn on a 960-unit-wide canvas and scaled to the page width
// (viewBox; width 100%), so they use the full width on screen and on A4.
constexpr int kChartWidth = 960;

std::string SvgOpen(int height, const std::string& label) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
      "width=\"100%%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" "
      "aria-label=\"%s\">",
      kChartWidth, height, ReportRenderer::EscapeHtml(label));
}

// A tick value as printed: counts only at whole numbers (else no label),
// scores with two decimals.
std::string Tick(double v, bool integer) {
  if (!integer) return absl::StrFormat("%.2f", v);
  return std::abs(v - std::round(v)) < 1e-9 ? absl::StrFormat("%.0f", v) : "";
}

}  // namespace

std::string ReportRenderer::BarChartSvg(const std::string& title,
                                        std::vector<Bar> bars,
                                        const BarChartOptions& o) {
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    return a.value + a.value2 > b.value + b.value2;
  });
  const bool two = !o.series2.empty();
  const int label_w = 230, text_w = 150, top = two ? 52 : 34, bottom = 28;
  const int row = two ? 34 : 26;
  const int plot_w = kChartWidth - label_w - text_w;
  const int height = top + row * static_cast<int>(bars.size()) + bottom;
  double hi = bars.empty() ? 0 : bars[0].value;
  double lo = hi;
  for (const auto& b : bars) {
    hi = std::max({hi, b.value, two ? b.value2 : b.value});
    lo = std::min(lo, b.value);
  }
  // The axis: from 0 for counts; for scores from just below the lowest
  // value, so that 82.5 and 85.0 do not look alike. Equal values get full
  // bars (and say so).
  double axis_from = 0;
  if (!o.zero_based && hi > lo) {
    axis_from = std::max(0.0, std::floor(lo - (hi - lo) * 0.15));
  }
  const double axis_to = hi <= axis_from ? axis_from + 1 : hi;
  const bool integer = o.zero_based;
  auto x_of = [&](double v) {
    return label_w +
           plot_w *
               std::clamp((v - axis_from) / (axis_to - axis_from), 0.0, 1.0);
  };
  std::string svg = SvgOpen(height, title);
  absl::StrAppendFormat(
      &svg,
      "<text x=\"4\" y=\"20\" font-size=\"16\" font-weight=\"bold\">%s</text>",
      EscapeHtml(title));
  if (two) {
    absl::StrAppendFormat(
        &svg,
        "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"%s\"/>"
        "<text x=\"%d\" y=\"41\" font-size=\"13\">%s</text>"
        "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"%s\"/>"
        "<text x=\"%d\" y=\"41\" font-size=\"13\">%s</text>",
        label_w, o.color1, label_w + 16, EscapeHtml(o.series1), label_w + 200,
        o.color2, label_w + 216, EscapeHtml(o.series2));
  }
  // Grid and axis labels (5 ticks).
  const int plot_bottom = top + row * static_cast<int>(bars.size());
  for (int k = 0; k <= 4; ++k) {
    const double v = axis_from + (axis_to - axis_from) * k / 4.0;
    const double x = x_of(v);
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#cbd5e0\" "
        "stroke-width=\"1\"/>"
        "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
        "fill=\"#4a5568\">%s</text>",
        x, top - 4, x, plot_bottom, x, plot_bottom + 16, Tick(v, integer));
  }
  if (!o.zero_based && axis_from > 0) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
                          "fill=\"#4a5568\">横轴自 %s 起</text>",
                          kChartWidth - text_w + 8, plot_bottom + 16,
                          Tick(axis_from, false));
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + row * static_cast<int>(i);
    const int h = two ? 13 : 18;
    const double w1 = std::max(2.0, x_of(b.value) - label_w);
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\">%s</text>"
        "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
        "fill=\"%s\"/>"
        "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>",
        label_w - 8, y + (two ? 20 : 14), EscapeHtml(b.label), label_w, y + 2,
        b.value > axis_from || o.zero_based ? (b.value > 0 ? w1 : 0.0) : 2.0, h,
        o.color1, label_w + w1 + 6, y + 2 + h - 2, EscapeHtml(b.text));
    if (two) {
      const double w2 =
          b.value2 > 0 ? std::max(2.0, x_of(b.value2) - label_w) : 0.0;
      absl::StrAppendFormat(
          &svg,
          "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
          "fill=\"%s\"/>"
          "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>",
          label_w, y + 2 + h + 2, w2, h, o.color2,
          label_w + std::max(w2, 0.0) + 6, y + 2 + 2 * h, EscapeHtml(b.text2));
    }
  }
  absl::StrAppendFormat(&svg,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                        "stroke=\"#2d3748\"/>",
                        label_w, top - 4, label_w, plot_bottom);
  svg += "</svg>";
  return svg;
}

std::string ReportRenderer::TrendSvg(const std::vector<TrendPoint>& points) {
  const int w = kChartWidth, h = 320, left = 60, right = 60, top = 56,
            bottom = 40;
  std::string svg = SvgOpen(h, "月度趋势");
  absl::StrAppendFormat(
      &svg,
      "<text x=\"4\" y=\"20\" font-size=\"16\" font-weight=\"bold\">"
      "月度趋势（近%d期）</text>"
      "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"#90cdf4\"/>"
      "<text x=\"%d\" y=\"41\" font-size=\"13\">工单数（左轴）</text>"
      "<line x1=\"%d\" y1=\"36\" x2=\"%d\" y2=\"36\" stroke=\"#c53030\" "
      "stroke-width=\"2.5\"/><circle cx=\"%d\" cy=\"36\" r=\"4\" "
      "fill=\"#c53030\"/>"
      "<text x=\"%d\" y=\"41\" font-size=\"13\">按时办结率（右轴）</text>"
      "<line x1=\"%d\" y1=\"36\" x2=\"%d\" y2=\"36\" stroke=\"#2f855a\" "
      "stroke-width=\"2.5\" stroke-dasharray=\"6 3\"/><rect x=\"%d\" y=\"32\" "
      "width=\"8\" height=\"8\" fill=\"#2f855a\"/>"
      "<text x=\"%d\" y=\"41\" font-size=\"13\">满意率（右轴）</text>",
      static_cast<int>(points.size()), left, left + 16, left + 160, left + 190,
      left + 175, left + 196, left + 350, left + 380, left + 361, left + 386);
  const double plot_h = h - top - bottom;
  const int base = h - bottom;
  int64_t max_orders = 1;
  for (const auto& p : points) max_orders = std::max(max_orders, p.orders);
  // Axes: orders on the left (0 … max), rates on the right (0 … 100%).
  for (int k = 0; k <= 4; ++k) {
    const double y = base - plot_h * k / 4.0;
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e2e8f0\"/>"
        "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" "
        "fill=\"#4a5568\">%s</text>"
        "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
        "fill=\"#4a5568\">%d%%</text>",
        left, y, w - right, y, left - 6, y + 4,
        absl::StrFormat("%.0f", static_cast<double>(max_orders) * k / 4.0),
        w - right + 6, y + 4, k * 25);
  }
  absl::StrAppendFormat(&svg,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                        "stroke=\"#2d3748\"/>",
                        left, base, w - right, base);
  if (points.empty()) return svg + "</svg>";
  const double slot = static_cast<double>(w - left - right) /
                      static_cast<double>(points.size());
  std::vector<std::string> done, sat;
  std::string markers;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const double x = left + slot * static_cast<double>(i);
    const double cx = x + slot / 2;
    const double bh = plot_h * static_cast<double>(p.orders) /
                      static_cast<double>(max_orders);
    absl::StrAppendFormat(
        &svg,
        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
        "height=\"%.1f\" fill=\"#90cdf4\"/>"
        "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
        "text-anchor=\"middle\">%s</text>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
        "text-anchor=\"middle\" fill=\"#2c5282\">%d</text>",
        x + slot * 0.2, base - bh, slot * 0.6, bh, cx, base + 16,
        EscapeHtml(p.label), cx, base - bh - 3, p.orders);
    if (!p.on_time_completion_na) {
      const double y = base - plot_h * p.on_time_completion;
      done.push_back(absl::StrFormat("%.1f,%.1f", cx, y));
      absl::StrAppendFormat(
          &markers,
          "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
          "fill=\"#c53030\"/>"
          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" "
          "fill=\"#c53030\">%s</text>",
          cx, y, cx, y - 8, Percent(p.on_time_completion));
    }
    if (!p.satisfaction_na) {
      const double y = base - plot_h * p.satisfaction;
      sat.push_back(absl::StrFormat("%.1f,%.1f", cx, y));
      absl::StrAppendFormat(&markers,
                            "<rect class=\"point\" x=\"%.1f\" y=\"%.1f\" "
                            "width=\"8\" height=\"8\" fill=\"#2f855a\"/>",
                            cx - 4, y - 4);
    }
  }
  // A line through the points (none drawn for fewer than two; the markers
  // show a single point).
  if (done.size() > 1) {
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"#c53030\" stroke-width=\"2.5\"/>",
                          absl::StrJoin(done, " "));
  }
  if (sat.size() > 1) {
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"#2f855a\" stroke-width=\"2.5\" "
                          "stroke-dasharray=\"6 3\"/>",
                          absl::StrJoin(sat, " "));
  }
  return svg + markers + "</svg>";
}

}  // namespace hotline::assessment
