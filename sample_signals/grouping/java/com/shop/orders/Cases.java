// Real Java code failing on a real JVM, its Throwables turned into Sentry events the way
// sentry-java's SentryExceptionFactory and SentryStackTraceFactory build them (causes first,
// frames caller first, `module` the class, `function` the method, `in_app` true for the
// configured in-app package and left out otherwise). Run by ../../../../generate.py:
// `java -cp BUILD com.shop.orders.Cases`, one JSON event a line on stdout. Classes named as
// Spring's CGLIB names its generated proxies stand in for them (the JVM reports them as it
// reports the generated ones; there is no Spring here).
package com.shop.orders;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

public final class Cases {
  static final String IN_APP = "com.shop.";

  // --- JSON, just enough -------------------------------------------------------------------
  static String json(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  static void write(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      out.append('"');
      for (char c : ((String) value).toCharArray()) {
        if (c == '"' || c == '\\') out.append('\\').append(c);
        else if (c == '\n') out.append("\\n");
        else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
        else out.append(c);
      }
      out.append('"');
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : ((Map<String, Object>) value).entrySet()) {
        if (!first) out.append(',');
        first = false;
        write(out, e.getKey());
        out.append(':');
        write(out, e.getValue());
      }
      out.append('}');
    } else {
      out.append('[');
      boolean first = true;
      for (Object item : (List<Object>) value) {
        if (!first) out.append(',');
        first = false;
        write(out, item);
      }
      out.append(']');
    }
  }

  // --- sentry-java's shape -----------------------------------------------------------------
  static List<Object> frames(StackTraceElement[] elements) {
    List<Object> frames = new ArrayList<>();
    for (StackTraceElement el : elements) {
      Map<String, Object> frame = new LinkedHashMap<>();
      frame.put("filename", el.getFileName());
      frame.put("function", el.getMethodName());
      frame.put("module", el.getClassName());
      if (el.getLineNumber() >= 0) frame.put("lineno", el.getLineNumber());
      if (el.getClassName().startsWith(IN_APP)) frame.put("in_app", true);
      frame.put("native", el.isNativeMethod());
      frames.add(0, frame);
    }
    return frames;
  }

  static Map<String, Object> exception(Throwable t) {
    Map<String, Object> exc = new LinkedHashMap<>();
    Package pkg = t.getClass().getPackage();
    String name = t.getClass().getName();
    exc.put("type", pkg == null ? name : name.substring(pkg.getName().length() + 1));
    exc.put("value", t.getMessage());
    exc.put("module", pkg == null ? null : pkg.getName());
    exc.put("thread_id", Thread.currentThread().getId());
    Map<String, Object> stack = new LinkedHashMap<>();
    stack.put("frames", frames(t.getStackTrace()));
    exc.put("stacktrace", stack);
    return exc;
  }

  static void capture(String kase, int seq, Throwable error) {
    List<Object> values = new ArrayList<>();
    for (Throwable t = error; t != null; t = t.getCause()) values.add(0, exception(t));
    Map<String, Object> tags = new LinkedHashMap<>();
    tags.put("case", kase);
    tags.put("seq", String.valueOf(seq));
    Map<String, Object> exceptions = new LinkedHashMap<>();
    exceptions.put("values", values);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("event_id", UUID.randomUUID().toString().replace("-", ""));
    event.put("timestamp", java.time.Instant.now().toString());
    event.put("platform", "java");
    event.put("level", "error");
    event.put("release", "shop-orders@3.4.0");
    event.put("environment", "production");
    event.put("tags", tags);
    event.put("exception", exceptions);
    System.out.println(json(event));
  }

  interface Step {
    void run() throws Exception;
  }

  static void attempt(String kase, int seq, Step step) {
    try {
      step.run();
    } catch (Throwable t) {
      capture(kase, seq, t);
    }
  }

  public static void main(String[] args) throws Exception {
    // Spring's CGLIB proxies: a new class name each start (Spring 5 and Spring 6 styles).
    attempt("java-cglib-place-order", 0, () -> CheckoutController.checkout(
        new OrderService$$EnhancerBySpringCGLIB$$3f9a2b1c()));
    attempt("java-cglib-place-order", 1, () -> CheckoutController.checkout(
        new OrderService$$EnhancerBySpringCGLIB$$7d41e0aa()));
    attempt("java-cglib-refund", 0, () -> CheckoutController.refund(new RefundService$$SpringCGLIB$$0()));
    attempt("java-cglib-refund", 1, () -> CheckoutController.refund(new RefundService$$SpringCGLIB$$1()));
    // Two lambdas of one method: javac numbers them by position, an edit renumbers them.
    Inventory.runSteps(0, "java-lambda-reserve", 0);
    Inventory.runSteps(1, "java-lambda-reserve", 1);
    // Reflection: the JDK calls natively at first, then through a generated accessor class.
    Method job = Jobs.class.getDeclaredMethod("nightlyReport", int.class);
    for (int call = 0; call < 40; call++) {
      final int n = call;
      if (call == 0 || call == 39) {
        attempt("java-reflective-job", call == 0 ? 0 : 1, () -> job.invoke(null, n));
      } else {
        try {
          job.invoke(null, -1);
        } catch (InvocationTargetException ignored) {
          // warming up the accessor
        }
      }
    }
    // One wrapper, two causes: two issues.
    for (int seq = 0; seq < 2; seq++) {
      final int s = seq;
      attempt("java-report-caused-by-sql", seq, () -> Jobs.export("sql", s));
      attempt("java-report-caused-by-io", seq, () -> Jobs.export("io", s));
    }
  }
}

class OrderService {
  public void placeOrder(int order) {
    throw new IllegalStateException("order " + order + " has no lines");
  }
}

// What Spring 5's CGLIB generates: a subclass and a FastClass, hex names new on each start.
class OrderService$$EnhancerBySpringCGLIB$$3f9a2b1c extends OrderService {
  @Override
  public void placeOrder(int order) {
    OrderService$$FastClassBySpringCGLIB$$9c2e11d0.invoke(this, order);
  }
}

class OrderService$$EnhancerBySpringCGLIB$$7d41e0aa extends OrderService {
  @Override
  public void placeOrder(int order) {
    OrderService$$FastClassBySpringCGLIB$$51ab07f3.invoke(this, order);
  }
}

class OrderService$$FastClassBySpringCGLIB$$9c2e11d0 {
  static void invoke(OrderService target, int order) {
    new OrderService().placeOrder(order);
  }
}

class OrderService$$FastClassBySpringCGLIB$$51ab07f3 {
  static void invoke(OrderService target, int order) {
    new OrderService().placeOrder(order);
  }
}

class RefundService {
  public void refund(String payment) {
    throw new IllegalArgumentException("payment " + payment + " was never captured");
  }
}

// Spring 6 numbers its CGLIB classes instead.
class RefundService$$SpringCGLIB$$0 extends RefundService {
  @Override
  public void refund(String payment) {
    super.refund(payment);
  }
}

class RefundService$$SpringCGLIB$$1 extends RefundService {
  @Override
  public void refund(String payment) {
    super.refund(payment);
  }
}

class CheckoutController {
  static void checkout(OrderService orders) {
    orders.placeOrder(1042);
  }

  static void refund(RefundService refunds) {
    refunds.refund("pay_81");
  }
}

class Inventory {
  static void reserve(String sku) {
    throw new IllegalStateException("sku " + sku + " is out of stock");
  }

  // Which lambda runs is the only difference: lambda$runSteps$0 or lambda$runSteps$1.
  static void runSteps(int which, String kase, int seq) {
    List<Runnable> steps = new ArrayList<>();
    steps.add(() -> reserve("A-17"));
    steps.add(() -> reserve("B-22"));
    List<Runnable> chosen = List.of(steps.get(which));
    try {
      chosen.forEach(Runnable::run);
    } catch (RuntimeException e) {
      Cases.capture(kase, seq, e);
    }
  }
}

class Jobs {
  static void nightlyReport(int day) {
    if (day < 0) throw new IllegalArgumentException("day must not be negative");
    throw new UnsupportedOperationException("report for day " + day + " is not configured");
  }

  static void export(String kind, int seq) {
    try {
      if (kind.equals("sql")) throw new SQLException("relation \"report_" + seq + "\" does not exist");
      throw new IOException("disk full writing /var/reports/" + seq + ".csv");
    } catch (SQLException | IOException cause) {
      throw new RuntimeException("report export failed", cause);
    }
  }
}
